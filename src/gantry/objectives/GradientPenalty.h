#pragma once

#include "gantry/objectives/Penalty.h"

namespace gantry::objectives {

/// The gradient penalty of WGAN-GP (Gulrajani, Ahmed, Arjovsky, Dumoulin &
/// Courville 2017, "Improved Training of Wasserstein GANs", NIPS;
/// arXiv:1704.00028, Algorithm 1):
///
///   GP = E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²],   x̂ = ε·x + (1 − ε)·x̃,  ε ~ U[0, 1],
///
/// with x real, x̃ generated, and one ε per sample (pair), not per batch or
/// per pixel; the norm is each sample's, over all its coordinates. Under
/// PacGAN, x is a pack of m samples, D's input: one ε and one norm per pack.
/// One-sided
/// (the paper's §4 alternative): E[max(0, ‖∇D(x̂)‖₂ − 1)²], which only
/// penalises slopes above 1. The trainer adds λ·GP to D's loss
/// (λ = penalty_weight; 10 in the paper).
PenaltyEntry gradientPenalty();

class GradientPenalty : public Penalty {
 public:
  explicit GradientPenalty(bool oneSided = false) : oneSided_(oneSided) {}
  std::string name() const override { return "gp"; }
  bool oneSided() const { return oneSided_; }
  /// At interpolates labelled as the real samples (the labels a
  /// conditional D judges them under).
  torch::Tensor compute(models::Discriminator& discriminator, const data::Batch& real,
                        const data::Batch& fake) const override;

  /// ε_i·real_i + (1 − ε_i)·fake_i with ε [N] broadcast over each sample.
  static torch::Tensor interpolate(const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& epsilon);
  /// The penalty at the given points: mean over D's inputs (samples, or packs) of (‖∇D‖ − 1)²
  /// (one-sided: of max(0, ‖∇D‖ − 1)²).
  torch::Tensor at(models::Discriminator& discriminator, const torch::Tensor& points,
                   const torch::Tensor& labels = {}) const;

 private:
  bool oneSided_;
};

}  // namespace gantry::objectives
