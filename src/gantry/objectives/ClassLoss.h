#pragma once

#include <torch/types.h>

namespace gantry::objectives {

/// AC-GAN's class term (Odena, Olah & Shlens 2017, eq. 2–3). With D's class
/// head P(C | x), the log-likelihood of the correct class
///
///   L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)],
///
/// D maximises L_S + L_C and G maximises L_C − L_S (L_S the adversarial
/// log-likelihood): both players want every sample classified as its class,
/// so the term enters both losses with the same sign. As losses to
/// minimise, with weight λ:
///
///   D: λ · (CE(real) + CE(fake)),   G: λ · CE(fake),
///
/// D's at the scale of its adversarial loss (Objective::
/// discriminatorLossScale: ½ when that is −V/2), so that λ = 1 is the
/// paper's L_S + L_C whatever the scale; G's adversarial loss is its paper's.
///
/// where CE is the mean cross-entropy of the class logits against the labels
/// (the real batch's own, the classes G was asked for). G cannot move the
/// real term. Without D's fake term (discriminatorOnFake = false, as
/// StudioGAN's ACGAN), D's class head learns from real data alone; with it,
/// D can learn whatever G draws for a class as that class, and the two can
/// settle on one image per class that is not the class (measured on MNIST:
/// docs/presets.md, acgan-mnist).
///
/// Without D's real term (discriminatorOnReal = false) the labels of the
/// data are never read and the classes are a categorical code that G and
/// D's head agree on: InfoGAN's mutual-information term with a uniform
/// categorical code (Chen et al. 2016, "InfoGAN"; λ = 1 for discrete codes):
/// its variational lower bound L_I = E[log Q(c | G(z, c))] + H(c), Q being
/// D's class head, maximised by both players, H(c) constant.
struct ClassLoss {
  double weight = 1.0;  // λ
  bool discriminatorOnReal = true;
  bool discriminatorOnFake = true;

  /// λ · mean cross-entropy of `classLogits` [N, C] against `labels` [N].
  torch::Tensor operator()(const torch::Tensor& classLogits, const torch::Tensor& labels) const;
};

}  // namespace gantry::objectives
