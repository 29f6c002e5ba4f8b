#include "gantry/train/Divergence.h"

#include "gantry/core/Finite.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

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

void DivergenceGuard::onStep(Trainer& trainer, const Figures& figures) {
  if (every_ <= 0) return;
  for (const auto& entry : figures.entries()) {
    const auto& value = entry.second;
    if (!value.defined() || !value.is_floating_point()) continue;
    const auto figure = value.dim() == 0 ? value.detach() : value.detach().sum();
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const auto& s) { return s.first == entry.first; });
    // One operation per figure and step (the add, in float64): small
    // models' steps are short (docs/reliability.md has the cost).
    if (it == sums_.end())
      sums_.emplace_back(entry.first, figure.to(torch::kDouble, /*non_blocking=*/false, /*copy=*/true));
    else
      it->second.add_(figure);
  }
  if (trainer.steps() % every_ != 0) return;
  std::vector<torch::Tensor> sums;
  for (const auto& entry : sums_) sums.push_back(entry.second);
  const int64_t figure = firstNonFinite(sums);
  auto culprit = figure >= 0 ? sums_[static_cast<size_t>(figure)].first : nonFiniteParameter(trainer);
  sums_.clear();
  if (!culprit.empty()) throw Diverged(trainer.steps(), culprit);
}

}  // namespace gantry::train
