#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/types.h>

#include <vector>

namespace gantry::eval {

struct ClassHistogram {
  std::vector<int64_t> counts;  // samples per predicted class
  /// Classes holding at least `minShare` of the samples they would get under
  /// the real distribution: count_c ≥ minShare · N · q_c.
  int64_t classesCovered = 0;
  /// KL(p ‖ q) of the predicted class frequencies p from the real ones q
  /// (0: the real proportions; log(1/q_c) when all samples are class c).
  double klFromReal = 0.0;
};

/// Histogram of the most probable class of each row of `probabilities`
/// [N, C] against the real class distribution `realDistribution` [C]
/// (positive, summing to 1).
ClassHistogram classHistogram(const torch::Tensor& probabilities, const torch::Tensor& realDistribution,
                              double minShare = 0.1);

/// "classes": which classes the generator produces, as the classifier labels
/// them: the histogram, the classes covered (a class counts when it holds at
/// least a tenth of its real share, so the ~1% of a real single class that a
/// 99% classifier mislabels does not count as other classes; with MNIST's
/// near-uniform classes the bar is about 1% of the samples) and the KL
/// divergence from the real class distribution (the test set's labels), the
/// mode-collapse check of the mode score (Che et al. 2017) and of the
/// stacked-MNIST protocol (Srivastava et al. 2017). JSON keys: histogram,
/// classes_covered, classes_total, kl_from_real, min_share,
/// real_distribution, samples.
class ClassHistogramMetric : public FeatureMetric {
 public:
  ClassHistogramMetric(std::shared_ptr<const FeatureExtractor> extractor, torch::Tensor realDistribution,
                       double minShare = 0.1);
  std::string name() const override { return "classes"; }
  nlohmann::json compute() const override;

 private:
  torch::Tensor realDistribution_;
  double minShare_;
};

MetricEntry classHistogramMetric();
}  // namespace gantry::eval
