#include "gantry/eval/MixtureMetrics.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::eval {

MixtureCoverage mixtureCoverage(const torch::Tensor& samples, const data::GaussianMixture& mixture,
                                double radiusInStd) {
  auto x = samples.detach().to(torch::kCPU, torch::kFloat64).reshape({samples.size(0), mixture.dim()});
  auto distances = torch::cdist(x, mixture.means().to(torch::kFloat64));  // [N, M]
  auto [nearestDistance, nearestMode] = distances.min(1);
  auto highQuality = nearestDistance <= radiusInStd * mixture.componentStd();

  MixtureCoverage coverage;
  const int64_t n = x.size(0);
  auto counts = torch::bincount(nearestMode.masked_select(highQuality), {}, mixture.components());
  coverage.highQualityPerMode.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
  int64_t totalHighQuality = 0;
  for (auto c : coverage.highQualityPerMode) {
    totalHighQuality += c;
    if (c > 0) ++coverage.modesCaptured;
  }
  coverage.highQualityFraction = n > 0 ? static_cast<double>(totalHighQuality) / static_cast<double>(n) : 0.0;
  const double modes = static_cast<double>(mixture.components());
  for (auto c : coverage.highQualityPerMode) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / static_cast<double>(totalHighQuality);
    coverage.klFromUniform += p * std::log(p * modes);
  }
  return coverage;
}

}  // namespace gantry::eval
