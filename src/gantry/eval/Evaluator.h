#pragma once

#include "gantry/eval/Metric.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

namespace gantry::eval {

/// Several metrics fed the same samples. For the feature metrics the
/// classifier runs once per batch, whatever their number: each batch's
/// features are computed once per extractor and handed to every metric that
/// reads that extractor.
class Evaluator {
 public:
  void add(std::unique_ptr<Metric> metric);
  /// labels: the class each sample was drawn for (a conditional
  /// generator's), handed to the feature metrics with the features; may be
  /// undefined.
  void update(const torch::Tensor& samples, const torch::Tensor& labels = {});
  /// {"<metric name>": <its JSON>, ...}
  nlohmann::json compute() const;
  void reset();
  bool empty() const { return metrics_.empty(); }
  const std::vector<std::unique_ptr<Metric>>& metrics() const { return metrics_; }
  /// The metric of that name, or null.
  Metric* find(const std::string& name) const;

 private:
  std::vector<std::unique_ptr<Metric>> metrics_;
};

}  // namespace gantry::eval
