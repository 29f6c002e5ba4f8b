#pragma once

#include "gantry/train/UpdateRule.h"

namespace gantry::train {

/// Alternating updates (Goodfellow et al. 2014, "Generative Adversarial
/// Nets", Algorithm 1): k discriminator updates, each on a fresh real batch
/// and fresh noise, then one generator update on fresh noise against the
/// updated D:
///
///   repeat k times:  θ_D ← θ_D − η_D ∇_D L_D(θ_D, θ_G)
///   then:            θ_G ← θ_G − η_G ∇_G L_G(θ_D, θ_G)      (θ_D as just updated)
///
/// (each "−η∇" stands for the configured optimizer's step). On the bilinear
/// game V = −θψ (the Dirac-GAN under wgan: D's loss is ψθ) with plain steps
/// it conserves θ² + ψ² − ηθψ (bounded cycles; + ηθψ for V = θψ), where
/// simultaneous steps spiral out.
class AlternatingRule : public UpdateRule {
 public:
  explicit AlternatingRule(int64_t dSteps) : dSteps_(dSteps) {}
  std::string name() const override { return "alternating"; }
  void step(Arena& arena) override;

 private:
  int64_t dSteps_;
};

UpdateRuleEntry alternatingRule();

}  // namespace gantry::train
