#include "gantry/train/Divergence.h"

#include "gantry/core/Finite.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::train {

Diverged::Diverged(int64_t step, const std::string& what)
    : std::runtime_error(fmt::format("training diverged at step {} (non-finite {})", step, what)),
      step_(step),
      culprit_(what) {}

namespace {

// G's parameters, then D's.
std::vector<torch::Tensor> playersParameters(Trainer& trainer) {
  auto all = trainer.generator().parameters();
  for (const auto& p : trainer.discriminator().parameters()) all.push_back(p);
  return all;
}

}  // namespace

std::string nonFiniteParameter(Trainer& trainer) {
  const int64_t i = firstNonFinite(playersParameters(trainer));
  if (i < 0) return "";
  const auto generatorCount = static_cast<int64_t>(trainer.generator().parameters().size());
  return i < generatorCount ? fmt::format("generator parameter {}", i)
                            : fmt::format("discriminator parameter {}", i - generatorCount);
}

std::vector<int64_t> nonFiniteMembers(Trainer& trainer, int64_t members) {
  torch::NoGradGuard noGrad;
  torch::Tensor finite;
  for (const auto& p : playersParameters(trainer)) {
    auto member = torch::isfinite(p).reshape({members, -1}).all(1);
    finite = finite.defined() ? finite & member : member;
  }
  const auto flags = finite.cpu();  // the one synchronisation
  std::vector<int64_t> diverged;
  for (int64_t n = 0; n < members; ++n)
    if (!flags[n].item<bool>()) diverged.push_back(n);
  return diverged;
}

void DivergenceGuard::onStep(Trainer& trainer, const Figures& figures) {
  sums_.add(figures);
  if (!interval_.endsAt(trainer.steps())) return;
  std::vector<torch::Tensor> totals;
  for (const auto& sum : sums_.sums()) totals.push_back(sum.total);
  const int64_t figure = firstNonFinite(totals);
  auto culprit = figure >= 0 ? sums_.sums()[static_cast<size_t>(figure)].name : nonFiniteParameter(trainer);
  sums_.clear();
  if (!culprit.empty()) throw Diverged(trainer.steps(), culprit);
}

}  // namespace gantry::train
