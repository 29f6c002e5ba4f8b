#include "gantry/train/rules/Extragradient.h"

namespace gantry::train {

void ExtragradientRule::step(Arena& arena) {
  for (int64_t i = 0; i + 1 < dSteps_; ++i) arena.discriminatorStep();
  arena.beginUpdate(Side::Discriminator);
  arena.beginUpdate(Side::Generator);
  const auto d0 = arena.parameterValues(Side::Discriminator);
  const auto g0 = arena.parameterValues(Side::Generator);
  // w½ = w − ηF(w)
  arena.jointGradients(/*record=*/true);
  arena.update(Side::Discriminator);
  arena.update(Side::Generator);
  // F(w½), then w⁺ = w − ηF(w½): back to the snapshot, stepped with it.
  arena.jointGradients(/*record=*/false);
  arena.setParameterValues(Side::Discriminator, d0);
  arena.setParameterValues(Side::Generator, g0);
  arena.update(Side::Discriminator);
  arena.update(Side::Generator);
}

UpdateRuleEntry extragradientRule() {
  UpdateRuleEntry entry;
  entry.name = "extragradient";
  entry.summary = "extrapolate both players one step from a snapshot, then step the snapshot with the gradients there";
  entry.citation = "Korpelevich 1976; Gidel et al. 2019, A Variational Inequality Perspective on GANs (Extra-Adam)";
  entry.make = [](const Config&, const UpdateSettings& settings) {
    return std::make_unique<ExtragradientRule>(settings.d_steps);
  };
  return entry;
}

}  // namespace gantry::train
