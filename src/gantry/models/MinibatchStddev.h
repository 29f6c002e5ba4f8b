#pragma once

#include "gantry/models/Stabilisers.h"

namespace gantry::models {

/// Minibatch standard deviation (Karras et al. 2018, Progressive Growing of
/// GANs, section 3). The batch of N is split into N/G groups of G strided
/// samples (group m: samples m, m + N/G, m + 2N/G, ...); within each group,
/// the standard deviation of every feature,
///
///   σ_f = sqrt(mean_g (x_gf − mean_g x_gf)² + 1e−8),
///
/// averaged over the features, is one number that every sample of the group
/// gets as an extra feature. A collapsed G's batch has a small one.
/// (Appended to D's flat features before its last layer: for a
/// convolutional D whose last layer is linear on the flattened maps, the
/// same as the paper's constant extra map.)
class MinibatchStddev : public BatchFeature {
 public:
  explicit MinibatchStddev(int64_t group) : group_(group) {}
  int64_t width() const override { return 1; }
  /// N must be a multiple of the group size (or smaller than it: one
  /// group of N).
  torch::Tensor forward(const torch::Tensor& features) override;

 private:
  int64_t group_;
};

}  // namespace gantry::models
