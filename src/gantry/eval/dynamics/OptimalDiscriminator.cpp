#include "gantry/eval/dynamics/OptimalDiscriminator.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gantry::eval {

double silvermanBandwidth(const torch::Tensor& samples) {
  auto x = samples.reshape(-1).to(torch::kFloat64);
  const double sigma = x.std().item<double>();
  const auto q = torch::quantile(x, torch::tensor({0.25, 0.75}, torch::kFloat64));
  const double iqr = (q[1] - q[0]).item<double>() / 1.34;
  const double spread = iqr > 0 ? std::min(sigma, iqr) : sigma;
  return 0.9 * spread * std::pow(static_cast<double>(x.numel()), -0.2);
}

torch::Tensor kernelDensity(const torch::Tensor& samples, const torch::Tensor& points, double bandwidth) {
  auto x = samples.reshape(-1).to(torch::kFloat64);
  auto at = points.reshape(-1).to(torch::kFloat64);
  auto density = torch::zeros_like(at);
  const double norm = 1.0 / (static_cast<double>(x.numel()) * bandwidth * std::sqrt(2 * M_PI));
  // In chunks of samples: [M, chunk] at a time bounds memory.
  const int64_t chunk = std::max<int64_t>(1, (1 << 24) / std::max<int64_t>(at.numel(), 1));
  for (int64_t start = 0; start < x.numel(); start += chunk) {
    auto part = x.narrow(0, start, std::min(chunk, x.numel() - start));
    auto u = (at.unsqueeze(1) - part.unsqueeze(0)) / bandwidth;
    density += (-0.5 * u * u).exp().sum(1);
  }
  return density * norm;
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
