#include "gantry/train/rules/Unrolled.h"

#include "gantry/train/LookAhead.h"

#include <torch/torch.h>

namespace gantry::train {

void UnrolledRule::step(Arena& arena) {
  for (int64_t i = 0; i + 1 < dSteps_; ++i) arena.discriminatorStep();
  arena.beginUpdate(Side::Discriminator);
  arena.beginUpdate(Side::Generator);
  auto real = arena.realBatch();
  auto fake = arena.generate(arena.noise(), /*withGraph=*/true);
  // The one minibatch of the look-ahead and of D's real update, as D sees it.
  auto [realInput, fakeInput] = arena.discriminatorInputs(real, fake);

  auto& d = arena.player(Side::Discriminator);
  d.applySchedule();
  LookAheadOptimizer lookAhead(d.optimizer(), d.tensors(), d.spec().kind);
  auto slots = arena.discriminator().parameterSlots();
  // θ_D⁰: a copy of D's parameters (D's own are updated below, in place).
  std::vector<torch::Tensor> w;
  for (const auto& t : d.tensors()) w.push_back(t.detach().clone().requires_grad_(true));
  DiscriminatorPass firstPass;
  std::vector<torch::Tensor> firstGradients;
  for (int64_t j = 0; j < unrollSteps_ || j == 0; ++j) {
    ParameterSwap swap(slots, d.moduleViews(w));
    auto pass = arena.discriminateInputs(realInput, fakeInput);
    auto grads = torch::autograd::grad({pass.loss}, w, {}, /*retain_graph=*/true, /*create_graph=*/j < unrollSteps_);
    if (j == 0) {
      // At θ_D⁰ = θ_D: the real D update's pass and gradient.
      firstPass = pass;
      for (const auto& g : d.moduleViews(grads)) firstGradients.push_back(g.detach());
    }
    if (j < unrollSteps_) w = lookAhead.step(w, grads);
  }
  torch::Tensor gLoss;
  {
    ParameterSwap swap(slots, d.moduleViews(w));
    gLoss = arena.generatorLossOn(fakeInput, &realInput);
  }
  arena.backward(Side::Generator, gLoss);
  d.setGradients(firstGradients);
  arena.update(Side::Discriminator);
  arena.update(Side::Generator);
  arena.recordDiscriminator(firstPass);
  arena.figures().set("g_loss", gLoss.detach());
}

const Section<UnrolledSettings>& unrolledSection() {
  static const auto section =
      Section<UnrolledSettings>("unrolled")
          .integer("unroll_steps", &UnrolledSettings::unroll_steps,
                   "update = unrolled: K, D's look-ahead updates G's loss is taken through (0 = none)",
                   Range::atLeast(0));
  return section;
}

UpdateRuleEntry unrolledRule() {
  UpdateRuleEntry entry;
  entry.name = "unrolled";
  entry.summary = "G's loss through unroll_steps differentiable updates of D (Adam's moments included)";
  entry.citation = "Metz, Poole, Pfau & Sohl-Dickstein 2017, Unrolled Generative Adversarial Networks";
  entry.keys = unrolledSection().keys();
  entry.make = [](const Config& config, const UpdateSettings& settings) {
    return std::make_unique<UnrolledRule>(settings.d_steps, unrolledSection().read(config).unroll_steps);
  };
  return entry;
}

}  // namespace gantry::train
