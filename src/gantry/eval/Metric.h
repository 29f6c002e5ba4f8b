#pragma once

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include <string>

namespace gantry::eval {

/// A metric of generated samples, fed in batches: update() any number of
/// times, then compute() for the result as JSON (its keys are listed in
/// docs/evaluation.md and stay stable). reset() starts over.
class Metric {
 public:
  virtual ~Metric() = default;
  /// The metric's name in `--metrics` lists and in the JSON report.
  virtual std::string name() const = 0;
  /// Adds a batch of generated samples [N, sample shape...].
  virtual void update(const torch::Tensor& samples) = 0;
  virtual nlohmann::json compute() const = 0;
  virtual void reset() = 0;
};

}  // namespace gantry::eval
