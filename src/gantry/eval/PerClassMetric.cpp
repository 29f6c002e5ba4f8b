#include "gantry/eval/PerClassMetric.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <limits>

namespace gantry::eval {

PerClassMetric::PerClassMetric(std::shared_ptr<const FeatureExtractor> extractor,
                               const torch::Tensor& referenceFeatures, const torch::Tensor& referenceLabels,
                               int64_t classes)
    : FeatureMetric(std::move(extractor)), classes_(classes) {
  for (int64_t c = 0; c < classes; ++c)
    reference_.push_back(fitGaussian(referenceFeatures.index({referenceLabels == c})));
}

nlohmann::json PerClassMetric::compute() const {
  auto all = generated(1);
  if (!all.labels.defined())
    throw UserError(
        "metric 'per-class' needs the class each sample was drawn for: evaluate a conditional run (gantry eval "
        "--run RUN), not unlabelled samples or an unconditional run");
  auto predicted = all.probabilities.argmax(1);
  nlohmann::json accuracy = nlohmann::json::array(), fd = nlohmann::json::array(), samples = nlohmann::json::array();
  double accuracySum = 0.0, fdSum = 0.0, lowest = std::numeric_limits<double>::infinity();
  int64_t drawn = 0, lowestClass = -1;
  for (int64_t c = 0; c < classes_; ++c) {
    auto mine = all.labels == c;
    const int64_t n = mine.sum().item<int64_t>();
    if (n == 0) {
      accuracy.push_back(nullptr);
      fd.push_back(nullptr);
      samples.push_back(0);
      continue;
    }
    // An FD needs a covariance: two samples at least.
    if (n < 2)
      throw UserError(
          fmt::format("metric 'per-class' needs at least 2 samples of each class drawn; class {} has 1: "
                      "give more samples (-n)",
                      c));
    const double share = (predicted.index({mine}) == c).to(torch::kFloat64).mean().item<double>();
    const double distance = frechetDistance(fitGaussian(all.features.index({mine})), reference_[c]);
    accuracy.push_back(share);
    fd.push_back(distance);
    samples.push_back(n);
    accuracySum += share;
    fdSum += distance;
    ++drawn;
    if (share < lowest) {
      lowest = share;
      lowestClass = c;
    }
  }
  return {{"accuracy", accuracy},
          {"fd", fd},
          {"samples", samples},
          {"mean_accuracy", accuracySum / static_cast<double>(drawn)},
          {"lowest_accuracy", lowest},
          {"lowest_class", lowestClass},
          {"mean_fd", fdSum / static_cast<double>(drawn)},
          {"classes_drawn", drawn}};
}

MetricEntry perClassMetric() {
  MetricEntry entry;
  entry.name = "per-class";
  entry.summary =
      "conditional runs: per class drawn, the share of samples the classifier assigns to it and the FD to that "
      "class's test images";
  entry.citation = "Odena et al. 2017 (accuracy); Miyato & Koyama 2018 (intra-class FID)";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry&) { return false; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    auto extractor = context.extractor();
    return std::make_unique<PerClassMetric>(extractor, context.referenceFeatures().features, context.testSet().labels(),
                                            extractor->classes());
  };
  entry.summarize = [](const nlohmann::json& r) {
    return fmt::format("per-class: accuracy mean {:.2f}% (lowest {:.2f}%, class {}), FD within class mean {:.4g}",
                       100 * r.at("mean_accuracy").get<double>(), 100 * r.at("lowest_accuracy").get<double>(),
                       r.at("lowest_class").get<int64_t>(), r.at("mean_fd").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
