#include "gantry/core/Finite.h"

#include <torch/torch.h>

namespace gantry {

int64_t firstNonFinite(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return -1;
  std::vector<torch::Tensor> sums;
  sums.reserve(tensors.size());
  for (const auto& t : tensors) sums.push_back(t.detach().sum(torch::kDouble));
  const auto finite = torch::isfinite(torch::stack(sums)).to(torch::kCPU);
  const auto flags = finite.accessor<bool, 1>();
  for (int64_t i = 0; i < flags.size(0); ++i)
    if (!flags[i]) return i;
  return -1;
}

}  // namespace gantry
