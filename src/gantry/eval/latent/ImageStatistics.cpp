#include "gantry/eval/latent/ImageStatistics.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::eval {

torch::Tensor inkOf(const torch::Tensor& images) {
  if (images.dim() != 4) throw std::invalid_argument("inkOf: images [N, C, H, W]");
  return images.to(torch::kFloat64).mean({1, 2, 3});
}

torch::Tensor slantOf(const torch::Tensor& images) {
  if (images.dim() != 4) throw std::invalid_argument("slantOf: images [N, C, H, W]");
  auto mass = images.to(torch::kFloat64).sum(1);  // [N, H, W]
  const int64_t h = mass.size(1), w = mass.size(2);
  auto y = torch::arange(h, torch::kFloat64).view({1, h, 1});
  auto x = torch::arange(w, torch::kFloat64).view({1, 1, w});
  auto total = mass.sum({1, 2}).clamp_min(1e-12);
  auto meanX = (mass * x).sum({1, 2}) / total;
  auto meanY = (mass * y).sum({1, 2}) / total;
  auto dx = x - meanX.view({-1, 1, 1}), dy = y - meanY.view({-1, 1, 1});
  auto mu11 = (mass * dx * dy).sum({1, 2}) / total;
  auto mu02 = (mass * dy * dy).sum({1, 2}) / total;
  // y grows downwards: a "/" stroke has x falling as y grows (μ11 < 0), so
  // the sign is turned to make right-leaning positive.
  return torch::where(mu02 > 1e-12, -mu11 / mu02.clamp_min(1e-12), torch::zeros_like(mu02));
}

const std::vector<std::string>& imageStatistics() {
  static const std::vector<std::string> names = {"ink", "slant"};
  return names;
}

torch::Tensor imageStatistic(const std::string& name, const torch::Tensor& images) {
  if (name == "ink") return inkOf(images);
  if (name == "slant") return slantOf(images);
  throw std::invalid_argument("imageStatistic: unknown statistic " + name);
}

}  // namespace gantry::eval
