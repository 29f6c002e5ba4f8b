#include "gantry/models/AuxiliaryClassifier.h"

#include "gantry/models/Conditioning.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

AuxiliaryClassifierDiscriminator::AuxiliaryClassifierDiscriminator(std::shared_ptr<Discriminator> inner,
                                                                   int64_t classes)
    : DiscriminatorWrapper(std::move(inner), classes) {
  const int64_t width = featureWidth();
  if (width <= 0)
    throw std::logic_error("AuxiliaryClassifierDiscriminator: the inner discriminator exposes no features");
  if (this->inner().spectrallyNormalised())
    spectralHead_ = register_module("head", SpectralNormalized(width, classes, 0, 1, 0, /*bias=*/true));
  else
    head_ = register_module("head", torch::nn::Linear(width, classes));
}

DiscriminatorOutput AuxiliaryClassifierDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  auto out = inner().forward(x);
  out.classLogits = spectralHead_ ? spectralHead_->forward(out.features) : head_(out.features);
  return out;
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
