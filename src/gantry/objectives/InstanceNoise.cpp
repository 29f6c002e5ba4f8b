#include "gantry/objectives/InstanceNoise.h"

#include <torch/torch.h>

#include <algorithm>

namespace gantry::objectives {

double InstanceNoise::stdAt(int64_t step) const {
  if (anneal_steps <= 0) return std;
  return std * std::max(0.0, 1.0 - static_cast<double>(step) / static_cast<double>(anneal_steps));
}

torch::Tensor InstanceNoise::apply(const torch::Tensor& x, int64_t step) const {
  double sigma = stdAt(step);
  if (sigma <= 0.0) return x;
  auto noise = torch::randn(x.sizes(), torch::kFloat32).to(x.options());
  return x + sigma * noise;
}

}  // namespace gantry::objectives
