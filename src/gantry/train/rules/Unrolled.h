#pragma once

#include "gantry/core/Section.h"
#include "gantry/train/UpdateRule.h"

namespace gantry::train {

/// The unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017, "Unrolled
/// Generative Adversarial Networks", ICLR). G's loss is taken through K
/// differentiable updates of D on one fixed minibatch, so that G sees how D
/// would answer its move:
///
///   θ_D⁰ = θ_D,   θ_D^{j+1} = θ_D^j − η ∇_D L_D(θ_D^j, θ_G)     (j < K, each a step of D's optimizer)
///   θ_G ← θ_G − η_G ∇_G L_G(θ_D^K(θ_G), θ_G)                    (through all K updates)
///   θ_D ← θ_D − η_D ∇_D L_D(θ_D, θ_G)                           (the real D update: one ordinary step)
///
/// As in the authors' reference code, the look-ahead starts from D's
/// current parameters and optimizer state (Adam's moments and step count
/// included: gantry/train/LookAhead.h), its K updates and D's real update
/// use the step's one real batch and one generated batch, and both real
/// updates start from the step's parameters. K = unroll_steps (the paper's
/// Figure 1 uses 10, the reference notebook 5); K = 0 is the plain
/// simultaneous GAN. The look-ahead ignores weight clipping. With k =
/// d_steps > 1, k − 1 plain D updates come first.
class UnrolledRule : public UpdateRule {
 public:
  UnrolledRule(int64_t dSteps, int64_t unrollSteps) : dSteps_(dSteps), unrollSteps_(unrollSteps) {}
  std::string name() const override { return "unrolled"; }
  RuleNeeds needs() const override { return {/*secondDerivatives=*/true, /*differentiableUpdates=*/true}; }
  void step(Arena& arena) override;

 private:
  int64_t dSteps_;
  int64_t unrollSteps_;
};

/// The [unrolled] section.
struct UnrolledSettings {
  int64_t unroll_steps = 5;
};
const Section<UnrolledSettings>& unrolledSection();

UpdateRuleEntry unrolledRule();

}  // namespace gantry::train
