#include "gantry/models/ConcatConditioning.h"

#include "gantry/models/Conditioning.h"

#include <torch/torch.h>

namespace gantry::models {

ConcatConditionedGenerator::ConcatConditionedGenerator(std::shared_ptr<Generator> inner, int64_t latentDim,
                                                       int64_t classes, int64_t embedding)
    : inner_(register_module("inner", std::move(inner))), latentDim_(latentDim), classes_(classes) {
  embedding_ = register_module("embedding", torch::nn::Embedding(classes, embedding));
}

torch::Tensor ConcatConditionedGenerator::forward(const torch::Tensor& z, const torch::Tensor& labels) {
  auto e = embedding_(requireClassLabels(labels, z.size(0)));
  return inner_->forward(torch::cat({z, e.to(z.dtype())}, 1));
}

void ConcatConditionedGenerator::setExecution(const Execution& execution) {
  Generator::setExecution(execution);
  inner_->setExecution(execution);
}

ConcatConditionedDiscriminator::ConcatConditionedDiscriminator(std::shared_ptr<Discriminator> inner, int64_t classes,
                                                               int64_t embedding)
    : DiscriminatorWrapper(std::move(inner), classes) {
  embedding_ = register_module("embedding", torch::nn::Embedding(classes, embedding));
}

torch::Tensor ConcatConditionedDiscriminator::widen(const data::Batch& batch) {
  const auto& x = batch.samples;
  auto e = embedding_(requireClassLabels(batch.labels, x.size(0)));
  return torch::cat({x.reshape({x.size(0), -1}), e.to(x.dtype())}, 1);
}

DiscriminatorOutput ConcatConditionedDiscriminator::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  return inner().forward(widen({x, labels}));
}

std::pair<DiscriminatorOutput, DiscriminatorOutput> ConcatConditionedDiscriminator::forwardPair(
    const data::Batch& real, const data::Batch& fake) {
  return inner().forwardPair({widen(real), real.labels}, {widen(fake), fake.labels});
}

ConditioningEntry concatConditioning() {
  ConditioningEntry entry;
  entry.name = "concat";
  entry.summary = "a learned class embedding concatenated to z and to D's flat input";
  entry.citation = "Mirza & Osindero 2014, Conditional Generative Adversarial Nets";
  entry.widensInput = true;
  entry.wrapDiscriminator = [](std::shared_ptr<Discriminator> inner, const ModelContext& context) {
    return std::make_shared<ConcatConditionedDiscriminator>(std::move(inner), context.classes,
                                                            context.model.class_embedding);
  };
  return entry;
}

}  // namespace gantry::models
