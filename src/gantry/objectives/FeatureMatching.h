#pragma once

#include <torch/types.h>

namespace gantry::objectives {

/// Feature matching (Salimans et al. 2016, Improved Techniques for Training
/// GANs, section 3.1): instead of fooling D, G matches the mean of D's
/// features f (the input of D's last layer) on real data,
///
///   L_G = ‖ E_x f(x) − E_z f(G(z)) ‖²₂,
///
/// estimated on one real and one generated batch. The real mean is a target:
/// no gradient flows through it. D trains as before, so f keeps finding
/// what tells the two apart; G no longer chases D's current verdict, which
/// is what collapses it onto the modes D likes.
struct FeatureMatching {
  bool enabled = false;

  /// ‖mean(realFeatures) − mean(fakeFeatures)‖² of features [N, F].
  torch::Tensor operator()(const torch::Tensor& realFeatures, const torch::Tensor& fakeFeatures) const;
};

}  // namespace gantry::objectives
