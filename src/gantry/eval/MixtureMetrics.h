#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/data/GaussianMixture.h"
#include "gantry/eval/Metric.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace gantry::eval {

/// Mode coverage on a Gaussian mixture (the PacGAN protocol, used for ring8
/// and grid25): a sample is high quality when it lies within `radiusInStd`
/// component standard deviations of its nearest mode; a mode is captured
/// when it is the nearest mode of at least one high-quality sample.
struct MixtureCoverage {
  int64_t samples = 0;
  int64_t modesCaptured = 0;
  double highQualityFraction = 0.0;
  /// KL(p ‖ uniform) of the histogram p of high-quality samples over modes
  /// (0 = every mode equally often; log M = all on one mode, and when no
  /// sample is high quality).
  double klFromUniform = 0.0;
  std::vector<int64_t> highQualityPerMode;
};

MixtureCoverage mixtureCoverage(const torch::Tensor& samples, const data::GaussianMixture& mixture,
                                double radiusInStd = 3.0);

/// The same as a Metric ("modes"), counting batch by batch. JSON keys:
/// samples, modes_total, modes_captured, high_quality_fraction,
/// kl_from_uniform, high_quality_per_mode.
class MixtureCoverageMetric : public Metric {
 public:
  explicit MixtureCoverageMetric(std::shared_ptr<const data::GaussianMixture> mixture, double radiusInStd = 3.0);
  std::string name() const override { return "modes"; }
  void update(const torch::Tensor& samples) override;
  nlohmann::json compute() const override;
  void reset() override;
  MixtureCoverage coverage() const;

 private:
  std::shared_ptr<const data::GaussianMixture> mixture_;
  double radius_;
  int64_t samples_ = 0;
  std::vector<int64_t> highQualityPerMode_;
};

MetricEntry modesMetric();
}  // namespace gantry::eval
