#pragma once

#include "gantry/objectives/Objective.h"

namespace gantry::objectives {

/// Wasserstein GAN (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN",
/// ICML; arXiv:1701.07875), on the critic's raw output D:
///
///   critic:     min_D E_z[D(G(z))] − E_x[D(x)]
///   generator:  min_G −E_z[D(G(z))]
///   value():    E_x[D(x)] − E_z[D(G(z))]
///
/// By Kantorovich–Rubinstein duality W₁(P, Q) = sup_{‖D‖_L ≤ 1} E_P[D] − E_Q[D],
/// so value() estimates the Wasserstein-1 distance (up to the Lipschitz
/// constant K of D: it estimates K·W₁) only while D is kept Lipschitz.
/// Without a constraint the critic's loss is unbounded below. Two ways:
///
///   WeightClipping ("wgan", the paper's Algorithm 1): after every critic
///     update each weight is clipped to [−c, c] (c = 0.01 in the paper);
///     c = 0 leaves the critic unconstrained (with a linear critic, the
///     bilinear game: the Dirac-GAN's test bed of the update rules).
///   GradientPenalty ("wgan-gp", Gulrajani et al. 2017, "Improved Training of
///     Wasserstein GANs", arXiv:1704.00028): no clipping; the game includes
///     the gradient penalty λ·E[(‖∇D(x̂)‖₂ − 1)²] at random interpolates x̂
///     (GradientPenalty, config penalty "gp"), which the trainer adds.
ObjectiveEntry wassersteinObjective();
ObjectiveEntry wassersteinGpObjective();

class WassersteinObjective : public Objective {
 public:
  enum class Constraint { WeightClipping, GradientPenalty };

  explicit WassersteinObjective(Constraint constraint, double clip = 0.01);
  std::string name() const override { return constraint_ == Constraint::WeightClipping ? "wgan" : "wgan-gp"; }
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// A critic: its raw value.
  torch::Tensor reportedOutput(const torch::Tensor& logits) const override { return logits; }
  /// E D(x) − E D(G(z)) = 0 when p_g = p_data, whatever the critic.
  Equilibrium equilibrium() const override { return {0.0, std::nullopt}; }
  void constrainDiscriminator(models::Discriminator& discriminator) const override;
  std::string impliedPenalty() const override { return constraint_ == Constraint::GradientPenalty ? "gp" : ""; }
  double clip() const { return clip_; }

 private:
  Constraint constraint_;
  double clip_;
};

}  // namespace gantry::objectives
