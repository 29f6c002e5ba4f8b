#pragma once

#include "gantry/models/Discriminator.h"

#include <memory>
#include <vector>

namespace gantry::models {

/// A D built around an unconditional one, as the conditionings are: the
/// inner model (registered as "inner", before the wrapper's own parameters)
/// gives its sizes, features and execution; parameterSlots() are the inner
/// model's followed by the wrapper's own, in parameters() order.
class DiscriminatorWrapper : public Discriminator {
 public:
  DiscriminatorWrapper(std::shared_ptr<Discriminator> inner, int64_t classes)
      : inner_(register_module("inner", std::move(inner))), classes_(classes) {}
  int64_t classes() const override { return classes_; }
  int64_t largestProduct(int64_t batch) const override { return inner_->largestProduct(batch); }
  int64_t largestConvolution(int64_t batch) const override { return inner_->largestConvolution(batch); }
  int64_t activationsPerSample() const override { return inner_->activationsPerSample(); }
  int64_t featureWidth() const override { return inner_->featureWidth(); }
  bool judgesSamplesAlone() const override { return inner_->judgesSamplesAlone(); }
  int64_t samplesPerInput() const override { return inner_->samplesPerInput(); }
  bool spectrallyNormalised() const override { return inner_->spectrallyNormalised(); }
  void setExecution(const Execution& execution) override {
    Discriminator::setExecution(execution);
    inner_->setExecution(execution);
  }
  std::vector<torch::Tensor*> parameterSlots() override {
    auto slots = inner_->parameterSlots();
    if (slots.empty()) return slots;  // the inner model does not support it
    for (auto* slot : ownSlots()) slots.push_back(slot);
    return slots;
  }

 protected:
  /// The wrapper's own parameters, in the order it registers them.
  virtual std::vector<torch::Tensor*> ownSlots() = 0;
  Discriminator& inner() { return *inner_; }
  const Discriminator& inner() const { return *inner_; }

 private:
  std::shared_ptr<Discriminator> inner_;
  int64_t classes_;
};

}  // namespace gantry::models
