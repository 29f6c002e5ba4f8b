#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace gantry {

/// The figures of one training step by name: an open record, so that an
/// update rule, an objective or a model adds a figure (`unrolled_d_loss`,
/// `theta`) without a change to whoever logs them. Values are detached scalar
/// tensors; reading them (.item) is left to the logger, so a step never waits
/// on the device for numbers nobody reads.
class Figures {
 public:
  /// Sets `name` (replacing an earlier value of this step).
  void set(const std::string& name, const torch::Tensor& value) {
    for (auto& entry : entries_)
      if (entry.first == name) {
        entry.second = value;
        return;
      }
    entries_.emplace_back(name, value);
  }
  /// The value, or an undefined tensor when this step has none.
  torch::Tensor get(const std::string& name) const {
    for (const auto& entry : entries_)
      if (entry.first == name) return entry.second;
    return {};
  }
  bool has(const std::string& name) const { return get(name).defined(); }
  /// In the order they were first set.
  const std::vector<std::pair<std::string, torch::Tensor>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<std::pair<std::string, torch::Tensor>> entries_;
};

/// Figures summed by name over several steps (a log interval), in float64
/// on their device, so that adding them never waits on it: a NaN or an
/// infinity at any step stays in its sum, and large finite float32 figures
/// do not overflow it. Each sum counts the steps that had its figure.
class FigureSums {
 public:
  struct Sum {
    std::string name;
    torch::Tensor total;  // float64
    int64_t count = 0;
  };

  /// Adds a step's figures: one operation per figure (the add).
  void add(const Figures& figures) {
    for (const auto& [name, value] : figures.entries()) {
      if (!value.defined()) continue;
      Sum* sum = find(name);
      if (!sum) {
        // A copy: the first figure's own tensor must not be added into.
        sums_.push_back({name, value.detach().to(torch::kDouble, /*non_blocking=*/false, /*copy=*/true), 1});
        continue;
      }
      sum->total.add_(value.detach());
      ++sum->count;
    }
  }
  /// In the order their figures were first added.
  const std::vector<Sum>& sums() const { return sums_; }
  void clear() { sums_.clear(); }

 private:
  Sum* find(const std::string& name) {
    for (auto& sum : sums_)
      if (sum.name == name) return &sum;
    return nullptr;
  }
  std::vector<Sum> sums_;
};

}  // namespace gantry
