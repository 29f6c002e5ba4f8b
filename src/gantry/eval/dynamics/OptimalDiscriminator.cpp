#include "gantry/eval/dynamics/OptimalDiscriminator.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gantry::eval {

torch::Tensor binnedDensity(const torch::Tensor& samples, const torch::Tensor& grid, double bandwidth) {
  auto x = samples.reshape(-1).to(torch::kFloat64);
  auto at = grid.reshape(-1).to(torch::kFloat64);
  const int64_t m = at.numel();
  const double lo = at[0].item<double>();
  const double dx = (at[m - 1].item<double>() - lo) / static_cast<double>(m - 1);
  auto position = (x - lo) / dx;
  auto inside = (position >= 0) & (position <= static_cast<double>(m - 1));
  position = position.masked_select(inside);
  auto left = position.floor().clamp_max(static_cast<double>(m - 2)).to(torch::kLong);
  auto right = position - left.to(torch::kFloat64);
  auto counts = torch::zeros({m}, torch::kFloat64);
  counts.index_add_(0, left, 1 - right);
  counts.index_add_(0, left + 1, right);
  auto density = counts / (static_cast<double>(x.numel()) * dx);
  if (bandwidth < dx) return density;
  const auto reach = static_cast<int64_t>(std::ceil(5 * bandwidth / dx));
  auto offsets = torch::arange(-reach, reach + 1, torch::kFloat64) * dx / bandwidth;
  auto kernel = (-0.5 * offsets * offsets).exp();
  kernel /= kernel.sum();
  // conv1d is a correlation; the kernel is symmetric.
  return torch::conv1d(density.view({1, 1, m}), kernel.view({1, 1, -1}), {}, 1, reach).view({m});
}

torch::Tensor optimalDiscriminator(const torch::Tensor& pData, const torch::Tensor& pG) {
  auto total = pData + pG;
  return torch::where(total > 0, pData / total.clamp_min(1e-300), torch::full_like(total, 0.5));
}

double jensenShannon(const torch::Tensor& p, const torch::Tensor& q, double dx) {
  auto m = 0.5 * (p + q);
  // x log(x / m), 0 where x = 0.
  auto term = [&](const torch::Tensor& x) {
    return torch::where(x > 0, x * (x / m.clamp_min(1e-300)).log(), torch::zeros_like(x));
  };
  auto integrand = 0.5 * term(p) + 0.5 * term(q);
  return torch::trapezoid(integrand, dx).item<double>();
}

}  // namespace gantry::eval
