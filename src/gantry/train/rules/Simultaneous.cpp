#include "gantry/train/rules/Simultaneous.h"

namespace gantry::train {

void SimultaneousRule::step(Arena& arena) {
  for (int64_t i = 0; i + 1 < dSteps_; ++i) arena.discriminatorStep();
  arena.beginUpdate(Side::Discriminator);
  arena.beginUpdate(Side::Generator);
  arena.jointGradients();
  arena.update(Side::Discriminator);
  arena.update(Side::Generator);
}

UpdateRuleEntry simultaneousRule() {
  UpdateRuleEntry entry;
  entry.name = "simultaneous";
  entry.summary = "both players step from the gradients of one forward pass (k - 1 plain D updates first)";
  entry.citation = "Goodfellow et al. 2014, released code (adversarial/mnist.yaml)";
  entry.make = [](const Config&, const UpdateSettings& settings) {
    return std::make_unique<SimultaneousRule>(settings.d_steps);
  };
  return entry;
}

}  // namespace gantry::train
