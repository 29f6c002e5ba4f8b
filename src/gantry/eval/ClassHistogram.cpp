#include "gantry/eval/ClassHistogram.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

ClassHistogram classHistogram(const torch::Tensor& probabilities, const torch::Tensor& realDistribution,
                              double minShare) {
  const int64_t classes = realDistribution.numel();
  if (probabilities.dim() != 2 || probabilities.size(1) != classes || probabilities.size(0) < 1)
    throw std::invalid_argument("classHistogram: probabilities [N, C] with N >= 1 and C real class shares expected");
  auto q = realDistribution.to(torch::kCPU, torch::kFloat64).reshape({classes});
  if (!(q.min().item<double>() > 0.0) || std::abs(q.sum().item<double>() - 1.0) > 1e-6)
    throw std::invalid_argument("classHistogram: the real class distribution must be positive and sum to 1");
  auto predicted = probabilities.argmax(1).cpu();
  auto counts = torch::bincount(predicted, {}, classes);
  const double n = static_cast<double>(probabilities.size(0));
  ClassHistogram result;
  auto c = counts.accessor<int64_t, 1>();
  auto share = q.accessor<double, 1>();
  for (int64_t k = 0; k < classes; ++k) {
    result.counts.push_back(c[k]);
    if (c[k] > 0 && static_cast<double>(c[k]) >= minShare * n * share[k]) ++result.classesCovered;
    if (c[k] > 0) {
      double p = static_cast<double>(c[k]) / n;
      result.klFromReal += p * std::log(p / share[k]);
    }
  }
  return result;
}

ClassHistogramMetric::ClassHistogramMetric(std::shared_ptr<const FeatureExtractor> extractor,
                                           torch::Tensor realDistribution, double minShare)
    : FeatureMetric(std::move(extractor)),
      realDistribution_(realDistribution.to(torch::kCPU, torch::kFloat64).contiguous()),
      minShare_(minShare) {}

nlohmann::json ClassHistogramMetric::compute() const {
  auto probabilities = generated(1).probabilities;
  auto h = classHistogram(probabilities, realDistribution_, minShare_);
  std::vector<double> real(realDistribution_.data_ptr<double>(),
                           realDistribution_.data_ptr<double>() + realDistribution_.numel());
  return {{"histogram", h.counts},
          {"classes_covered", h.classesCovered},
          {"classes_total", realDistribution_.numel()},
          {"kl_from_real", h.klFromReal},
          {"min_share", minShare_},
          {"real_distribution", real},
          {"samples", probabilities.size(0)}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry classHistogramMetric() {
  MetricEntry entry;
  entry.name = "classes";
  entry.summary = "histogram of the classifier's classes of the samples: classes covered, KL from the test set's";
  entry.citation = "";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    auto extractor = context.extractor();
    auto counts = torch::bincount(context.testSet().labels(), {}, extractor->classes()).to(torch::kFloat64);
    return std::make_unique<ClassHistogramMetric>(extractor, counts / counts.sum(), 0.1);
  };
  entry.summarize = [](const nlohmann::json& r) {
    // {:g}: a population's means are fractional (gantry/eval/EvalCallback.h).
    return fmt::format("classes {:g}/{:g} (KL {:.3f})", r.at("classes_covered").get<double>(),
                       r.at("classes_total").get<double>(), r.at("kl_from_real").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
