#include "gantry/eval/Evaluator.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/torch.h>

#include <map>

namespace gantry::eval {

void Evaluator::add(std::unique_ptr<Metric> metric) { metrics_.push_back(std::move(metric)); }

void Evaluator::update(const torch::Tensor& samples, const torch::Tensor& labels) {
  std::map<const FeatureExtractor*, ImageFeatures> features;
  for (auto& metric : metrics_) {
    auto* featureMetric = dynamic_cast<FeatureMetric*>(metric.get());
    if (!featureMetric || !featureMetric->extractor()) {
      metric->update(samples);
      continue;
    }
    const auto* extractor = featureMetric->extractor().get();
    auto found = features.find(extractor);
    if (found == features.end()) {
      auto extracted = extractor->extract(samples);
      if (labels.defined()) extracted.labels = labels.to(torch::kCPU, torch::kLong);
      found = features.emplace(extractor, std::move(extracted)).first;
    }
    featureMetric->updateFeatures(found->second);
  }
}

nlohmann::json Evaluator::compute() const {
  nlohmann::json results = nlohmann::json::object();
  for (const auto& metric : metrics_) results[metric->name()] = metric->compute();
  return results;
}

void Evaluator::reset() {
  for (auto& metric : metrics_) metric->reset();
}

Metric* Evaluator::find(const std::string& name) const {
  for (const auto& metric : metrics_)
    if (metric->name() == name) return metric.get();
  return nullptr;
}

}  // namespace gantry::eval
