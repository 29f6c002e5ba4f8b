#pragma once

#include <torch/nn/module.h>

#include <vector>

namespace gantry::models {

/// For its lifetime, a module's parameters ask for no gradient (a pass that
/// differentiates through a player but updates something else: G's loss
/// through D, codes searched for through G); then each gets back what it
/// asked for before.
class FrozenParameters {
 public:
  explicit FrozenParameters(torch::nn::Module& module) : parameters_(module.parameters()) {
    for (auto& p : parameters_) {
      wanted_.push_back(p.requires_grad());
      p.requires_grad_(false);
    }
  }
  ~FrozenParameters() {
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].requires_grad_(wanted_[i]);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<torch::Tensor> parameters_;
  std::vector<bool> wanted_;
};

}  // namespace gantry::models
