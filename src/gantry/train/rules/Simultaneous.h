#pragma once

#include "gantry/train/UpdateRule.h"

namespace gantry::train {

/// Simultaneous gradient steps: both players step from the gradients of one
/// forward pass, taken before either moves (the released code of Goodfellow
/// et al. 2014 trains MNIST so, with k = 1):
///
///   (θ_D, θ_G) ← (θ_D − η_D ∇_D L_D(θ_D, θ_G),  θ_G − η_G ∇_G L_G(θ_D, θ_G))
///
/// With k = d_steps > 1, k − 1 alternating D updates come first. On the
/// bilinear game V = θψ with plain steps, θ² + ψ² grows by 1 + η² per step:
/// the iterates spiral outward.
class SimultaneousRule : public UpdateRule {
 public:
  explicit SimultaneousRule(int64_t dSteps) : dSteps_(dSteps) {}
  std::string name() const override { return "simultaneous"; }
  void step(Arena& arena) override;

 private:
  int64_t dSteps_;
};

UpdateRuleEntry simultaneousRule();

}  // namespace gantry::train
