#include "gantry/train/Divergence.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::train {

namespace {

/// Whether each tensor is all finite, with one transfer from the device.
/// Through each tensor's sum in float64, which a NaN or an infinity makes
/// non-finite and finite float32 values cannot overflow: one pass without a
/// temporary, 5x faster than isfinite().all() (mnist-mlp's 3.7 M
/// parameters: 5 ms against 25 ms on one core, docs/reliability.md).
std::vector<bool> finiteFlags(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return {};
  std::vector<torch::Tensor> sums;
  sums.reserve(tensors.size());
  for (const auto& t : tensors) sums.push_back(t.detach().sum(torch::kDouble));
  auto all = torch::isfinite(torch::stack(sums)).to(torch::kCPU);
  std::vector<bool> out(tensors.size());
  auto accessor = all.accessor<bool, 1>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = accessor[static_cast<int64_t>(i)];
  return out;
}

}  // namespace

Diverged::Diverged(int64_t step, const std::string& what)
    : std::runtime_error(fmt::format("training diverged at step {} (non-finite {})", step, what)),
      step_(step),
      culprit_(what) {}

std::string nonFiniteParameter(Trainer& trainer) {
  auto g = trainer.generator().parameters();
  auto d = trainer.discriminator().parameters();
  auto all = g;
  all.insert(all.end(), d.begin(), d.end());
  const auto finite = finiteFlags(all);
  for (size_t i = 0; i < finite.size(); ++i)
    if (!finite[i])
      return i < g.size() ? fmt::format("generator parameter {}", i)
                          : fmt::format("discriminator parameter {}", i - g.size());
  return "";
}

std::string nonFiniteFigure(const Figures& figures) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> values;
  for (const auto& [name, value] : figures.entries()) {
    if (!value.defined() || !value.is_floating_point()) continue;
    names.push_back(name);
    values.push_back(value);
  }
  const auto finite = finiteFlags(values);
  for (size_t i = 0; i < finite.size(); ++i)
    if (!finite[i]) return names[i];
  return "";
}

void DivergenceGuard::onStep(Trainer& trainer, const Figures& figures) {
  if (every_ <= 0 || trainer.steps() % every_ != 0) return;
  auto culprit = nonFiniteFigure(figures);
  if (culprit.empty()) culprit = nonFiniteParameter(trainer);
  if (!culprit.empty()) throw Diverged(trainer.steps(), culprit);
}

}  // namespace gantry::train
