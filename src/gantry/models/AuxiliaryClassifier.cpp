#include "gantry/models/AuxiliaryClassifier.h"

#include "gantry/models/Conditioning.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

AuxiliaryClassifierDiscriminator::AuxiliaryClassifierDiscriminator(std::shared_ptr<Discriminator> inner,
                                                                   int64_t classes)
    : inner_(register_module("inner", std::move(inner))), classes_(classes) {
  const int64_t width = inner_->featureWidth();
  if (width <= 0)
    throw std::logic_error("AuxiliaryClassifierDiscriminator: the inner discriminator exposes no features");
  head_ = register_module("head", torch::nn::Linear(width, classes));
}

DiscriminatorOutput AuxiliaryClassifierDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  auto out = inner_->forward(x);
  out.classLogits = head_(out.features);
  return out;
}

std::vector<torch::Tensor*> AuxiliaryClassifierDiscriminator::parameterSlots() {
  // In parameters() order: the inner model's (registered first), then the head's.
  auto slots = inner_->parameterSlots();
  if (slots.empty()) return slots;
  slots.push_back(&head_->weight);
  slots.push_back(&head_->bias);
  return slots;
}

void AuxiliaryClassifierDiscriminator::setExecution(const Execution& execution) {
  Discriminator::setExecution(execution);
  inner_->setExecution(execution);
}

ConditioningEntry auxiliaryClassifierConditioning() {
  ConditioningEntry entry;
  entry.name = "acgan";
  entry.summary =
      "D's class head on its features; its cross-entropy in both players' losses (G: generated batch; D: real, and "
      "generated unless class_loss_d_fake = false); G as concat";
  entry.citation = "Odena, Olah & Shlens 2017, Conditional Image Synthesis with Auxiliary Classifier GANs";
  entry.wrapDiscriminator = [](std::shared_ptr<Discriminator> inner, const ModelContext& context) {
    return std::make_shared<AuxiliaryClassifierDiscriminator>(std::move(inner), context.classes);
  };
  return entry;
}

}  // namespace gantry::models
