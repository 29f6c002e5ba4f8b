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

}  // namespace gantry
