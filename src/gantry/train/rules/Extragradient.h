#pragma once

#include "gantry/train/UpdateRule.h"

namespace gantry::train {

/// Extragradient (Korpelevich 1976, "The extragradient method for finding
/// saddle points and other problems"; for GANs Gidel, Berard, Vignoud,
/// Vincent & Lacoste-Julien 2019, "A Variational Inequality Perspective on
/// Generative Adversarial Networks", ICLR). With F(w) the players' joint
/// gradient (each player's loss gradient, taken from one forward pass):
///
///   w½ = w − η F(w)          (extrapolation, from a snapshot of w)
///   w⁺ = w − η F(w½)         (the update: the snapshot moves, with the
///                             gradient taken at the extrapolated point)
///
/// Each "− ηF" is the configured optimizer's step, so with Adam both the
/// extrapolation and the update go through Adam's moment estimates, which
/// both advance: the paper's Extra-Adam (its released code's ExtraAdam).
/// The two gradients are taken on two fresh minibatches, as in that code.
/// On the bilinear game V = θψ with plain steps, θ² + ψ² shrinks by
/// 1 − η² + η⁴ per step. With k = d_steps > 1, k − 1 plain D updates come
/// first. The step's figures are those of the pass at w.
class ExtragradientRule : public UpdateRule {
 public:
  explicit ExtragradientRule(int64_t dSteps) : dSteps_(dSteps) {}
  std::string name() const override { return "extragradient"; }
  void step(Arena& arena) override;

 private:
  int64_t dSteps_;
};

UpdateRuleEntry extragradientRule();

}  // namespace gantry::train
