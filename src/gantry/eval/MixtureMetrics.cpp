#include "gantry/eval/MixtureMetrics.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

MixtureCoverageMetric::MixtureCoverageMetric(std::shared_ptr<const data::GaussianMixture> mixture, double radiusInStd)
    : mixture_(std::move(mixture)), radius_(radiusInStd) {
  reset();
}

void MixtureCoverageMetric::reset() {
  samples_ = 0;
  highQualityPerMode_.assign(static_cast<size_t>(mixture_->components()), 0);
}

void MixtureCoverageMetric::update(const torch::Tensor& samples) {
  if (samples.numel() != samples.size(0) * mixture_->dim())
    throw std::invalid_argument("mixture coverage: samples of " + std::to_string(samples.numel() / samples.size(0)) +
                                " values, the mixture has dimension " + std::to_string(mixture_->dim()));
  auto x = samples.detach().to(torch::kCPU, torch::kFloat64).reshape({samples.size(0), mixture_->dim()});
  auto distances = torch::cdist(x, mixture_->means().to(torch::kFloat64));  // [N, M]
  auto [nearestDistance, nearestMode] = distances.min(1);
  auto highQuality = nearestDistance <= radius_ * mixture_->componentStd();
  auto counts = torch::bincount(nearestMode.masked_select(highQuality), {}, mixture_->components());
  auto c = counts.accessor<int64_t, 1>();
  for (int64_t m = 0; m < counts.size(0); ++m) highQualityPerMode_[static_cast<size_t>(m)] += c[m];
  samples_ += x.size(0);
}

MixtureCoverage MixtureCoverageMetric::coverage() const {
  MixtureCoverage coverage;
  coverage.samples = samples_;
  coverage.highQualityPerMode = highQualityPerMode_;
  int64_t totalHighQuality = 0;
  for (auto c : highQualityPerMode_) {
    totalHighQuality += c;
    if (c > 0) ++coverage.modesCaptured;
  }
  coverage.highQualityFraction =
      samples_ > 0 ? static_cast<double>(totalHighQuality) / static_cast<double>(samples_) : 0.0;
  const double modes = static_cast<double>(highQualityPerMode_.size());
  // No high-quality sample: the histogram is empty and the KL undefined
  // (PacGAN's code divides 0 by 0). The loop below would leave 0, the best
  // value; log M, the largest any histogram has, is the honest bound.
  if (totalHighQuality == 0) {
    coverage.klFromUniform = std::log(modes);
    return coverage;
  }
  for (auto c : highQualityPerMode_) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / static_cast<double>(totalHighQuality);
    coverage.klFromUniform += p * std::log(p * modes);
  }
  return coverage;
}

nlohmann::json MixtureCoverageMetric::compute() const {
  auto c = coverage();
  return {{"samples", c.samples},
          {"modes_total", mixture_->components()},
          {"modes_captured", c.modesCaptured},
          {"high_quality_fraction", c.highQualityFraction},
          {"kl_from_uniform", c.klFromUniform},
          {"high_quality_per_mode", c.highQualityPerMode}};
}

MixtureCoverage mixtureCoverage(const torch::Tensor& samples, const data::GaussianMixture& mixture,
                                double radiusInStd) {
  // A non-owning pointer: the metric lives only inside this call.
  MixtureCoverageMetric metric(std::shared_ptr<const data::GaussianMixture>(&mixture, [](auto*) {}), radiusInStd);
  metric.update(samples);
  return metric.coverage();
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry modesMetric() {
  MetricEntry entry;
  entry.name = "modes";
  entry.summary = "modes captured and share of high-quality samples (within 3 std of a mode), PacGAN protocol";
  entry.citation = "Lin et al. 2018, PacGAN; Srivastava et al. 2017, VEEGAN";
  entry.data = MetricData::Mixture;
  entry.protocolSamples = 2500;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.isToy(); };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    return std::make_unique<MixtureCoverageMetric>(context.distribution());
  };
  entry.summarize = [](const nlohmann::json& r) {
    // {:g}: a population's means are fractional (gantry/eval/EvalCallback.h).
    return fmt::format("modes {:g}/{:g} ({:.1f}% high quality)", r.at("modes_captured").get<double>(),
                       r.at("modes_total").get<double>(), 100 * r.at("high_quality_fraction").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
