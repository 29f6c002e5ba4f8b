#include "gantry/train/rules/Optimistic.h"

#include <torch/torch.h>

namespace gantry::train {

void OptimisticRule::stepOptimistically(Arena& arena, Side side, std::vector<torch::Tensor>& previous) {
  auto before = arena.parameterValues(side);
  arena.update(side);  // w_t + δ_t
  auto after = arena.parameterValues(side);
  std::vector<torch::Tensor> delta, next;
  for (size_t i = 0; i < before.size(); ++i) {
    delta.push_back(after[i] - before[i]);
    const auto& last = previous.empty() ? delta[i] : previous[i];
    next.push_back(after[i] + delta[i] - last);  // w_t + 2δ_t − δ_{t−1}
  }
  arena.setParameterValues(side, next);
  previous = std::move(delta);
}

void OptimisticRule::step(Arena& arena) {
  for (int64_t i = 0; i + 1 < dSteps_; ++i) arena.discriminatorStep();
  arena.beginUpdate(Side::Discriminator);
  arena.beginUpdate(Side::Generator);
  arena.jointGradients();
  stepOptimistically(arena, Side::Discriminator, previousD_);
  stepOptimistically(arena, Side::Generator, previousG_);
}

void OptimisticRule::save(torch::serialize::OutputArchive& archive) const {
  archive.write("previous_d", c10::IValue(previousD_));
  archive.write("previous_g", c10::IValue(previousG_));
}

void OptimisticRule::load(torch::serialize::InputArchive& archive) {
  c10::IValue value;
  archive.read("previous_d", value);
  previousD_ = value.toTensorVector();
  archive.read("previous_g", value);
  previousG_ = value.toTensorVector();
}

UpdateRuleEntry optimisticRule() {
  UpdateRuleEntry entry;
  entry.name = "optimistic";
  entry.summary = "w <- w - 2 eta F(w_t) + eta F(w_t-1): twice along the gradient, back along the last one";
  entry.citation = "Daskalakis et al. 2018, Training GANs with Optimism";
  entry.make = [](const Config&, const UpdateSettings& settings) {
    return std::make_unique<OptimisticRule>(settings.d_steps);
  };
  return entry;
}

}  // namespace gantry::train
