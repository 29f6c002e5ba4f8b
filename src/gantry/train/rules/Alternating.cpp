#include "gantry/train/rules/Alternating.h"

namespace gantry::train {

void AlternatingRule::step(Arena& arena) {
  for (int64_t i = 0; i < dSteps_; ++i) arena.discriminatorStep();
  arena.generatorStep();
}

UpdateRuleEntry alternatingRule() {
  UpdateRuleEntry entry;
  entry.name = "alternating";
  entry.summary = "k = d_steps discriminator updates, then one generator update against the updated D";
  entry.citation = "Goodfellow et al. 2014, Generative Adversarial Nets, Algorithm 1";
  entry.make = [](const Config&, const UpdateSettings& settings) {
    return std::make_unique<AlternatingRule>(settings.d_steps);
  };
  return entry;
}

}  // namespace gantry::train
