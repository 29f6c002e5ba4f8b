#pragma once

#include "gantry/objectives/Objective.h"

namespace gantry::objectives {

/// Least-squares GAN (Mao, Li, Xie, Lau, Wang & Smolley 2017, "Least Squares
/// Generative Adversarial Networks", ICCV; arXiv:1611.04076), with the
/// 0-1 coding a = 0 (fake), b = 1 (real), c = 1 (what G wants D to say),
/// on the discriminator's raw output D (no sigmoid):
///
///   discriminator:  min_D ½ E_x[(D(x) − 1)²] + ½ E_z[D(G(z))²]
///   generator:      min_G ½ E_z[(D(G(z)) − 1)²]
///
/// value() = −(discriminator loss), so that, as for the other games, the
/// discriminator ascends it. (With these a, b, c the game does not reduce to
/// a Pearson χ² divergence; the paper's b − c = 1, b − a = 2 coding does.)
ObjectiveEntry leastSquaresObjective();

class LeastSquaresObjective : public Objective {
 public:
  std::string name() const override { return "lsgan"; }
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// A critic: its raw value.
  torch::Tensor reportedOutput(const torch::Tensor& logits) const override { return logits; }
};

}  // namespace gantry::objectives
