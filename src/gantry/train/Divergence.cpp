#include "gantry/train/Divergence.h"

#include "gantry/core/Finite.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::train {

Diverged::Diverged(int64_t step, const std::string& what)
    : std::runtime_error(fmt::format("training diverged at step {} (non-finite {})", step, what)),
      step_(step),
      culprit_(what) {}

std::string nonFiniteParameter(Trainer& trainer) {
  auto g = trainer.generator().parameters();
  auto d = trainer.discriminator().parameters();
  auto all = g;
  all.insert(all.end(), d.begin(), d.end());
  const int64_t i = firstNonFinite(all);
  if (i < 0) return "";
  const auto generatorCount = static_cast<int64_t>(g.size());
  return i < generatorCount ? fmt::format("generator parameter {}", i)
                            : fmt::format("discriminator parameter {}", i - generatorCount);
}

std::string nonFiniteFigure(const Figures& figures) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> values;
  for (const auto& [name, value] : figures.entries()) {
    if (!value.defined() || !value.is_floating_point()) continue;
    names.push_back(name);
    values.push_back(value);
  }
  const int64_t i = firstNonFinite(values);
  return i < 0 ? "" : names[static_cast<size_t>(i)];
}

void DivergenceGuard::onStep(Trainer& trainer, const Figures& figures) {
  if (every_ <= 0 || trainer.steps() % every_ != 0) return;
  auto culprit = nonFiniteFigure(figures);
  if (culprit.empty()) culprit = nonFiniteParameter(trainer);
  if (!culprit.empty()) throw Diverged(trainer.steps(), culprit);
}

}  // namespace gantry::train
