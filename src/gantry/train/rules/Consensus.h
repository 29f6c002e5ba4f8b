#pragma once

#include "gantry/core/Section.h"
#include "gantry/train/UpdateRule.h"

namespace gantry::train {

/// Consensus optimisation (Mescheder, Nowozin & Geiger 2017, "The Numerics
/// of GANs", NIPS). The players follow the joint vector field
/// v(w) = −(∇_G L_G, ∇_D L_D) plus γ times the gradient of L(w) = ½‖v(w)‖²:
/// in descent form, each player steps along
///
///   g + γ ∇L,   g = (∇_G L_G, ∇_D L_D),  ∇L = Jᵀg  (J the Jacobian of g),
///
/// with γ = consensus_weight, from one forward pass (simultaneously), each
/// through its optimizer. ∇L is a second backward pass through both
/// players' gradients (the rule needs second derivatives), which damps the
/// rotation of the game: on the bilinear game the eigenvalues ±i of the
/// field's Jacobian become −γ ± i and the iterates converge. The step's
/// figures add consensus_norm, L(w). With k = d_steps > 1, k − 1 plain D
/// updates come first.
class ConsensusRule : public UpdateRule {
 public:
  ConsensusRule(int64_t dSteps, double weight) : dSteps_(dSteps), weight_(weight) {}
  std::string name() const override { return "consensus"; }
  RuleNeeds needs() const override { return {/*secondDerivatives=*/true, false}; }
  void step(Arena& arena) override;

 private:
  int64_t dSteps_;
  double weight_;
};

/// The [consensus] section.
struct ConsensusSettings {
  double consensus_weight = 10.0;
};
const Section<ConsensusSettings>& consensusSection();

UpdateRuleEntry consensusRule();

}  // namespace gantry::train
