#pragma once

#include "gantry/objectives/Objective.h"

namespace gantry::objectives {

/// The hinge game (Lim & Ye 2017, "Geometric GAN", arXiv:1705.02894; the form
/// used by Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for
/// Generative Adversarial Networks", ICLR), on the raw output D:
///
///   discriminator:  min_D E_x[max(0, 1 − D(x))] + E_z[max(0, 1 + D(G(z)))]
///   generator:      min_G −E_z[D(G(z))]
///
/// The discriminator's loss is zero once real outputs are ≥ 1 and generated
/// ones ≤ −1 (margin reached: no gradient). value() = −(discriminator loss).
ObjectiveEntry hingeObjective();

class HingeObjective : public Objective {
 public:
  std::string name() const override { return "hinge"; }
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// A critic: its raw value.
  torch::Tensor reportedOutput(const torch::Tensor& logits) const override { return logits; }
};

}  // namespace gantry::objectives
