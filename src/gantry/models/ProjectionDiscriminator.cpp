#include "gantry/models/ProjectionDiscriminator.h"

#include "gantry/models/Conditioning.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::models {

ProjectionDiscriminator::ProjectionDiscriminator(std::shared_ptr<Discriminator> inner, int64_t classes)
    : DiscriminatorWrapper(std::move(inner), classes) {
  const int64_t width = featureWidth();
  if (width <= 0) throw std::logic_error("ProjectionDiscriminator: the inner discriminator exposes no features");
  if (this->inner().spectrallyNormalised())
    spectral_ = register_module("embedding", SpectralNormalized(width, classes, 0, 1, 0, /*bias=*/false));
  else
    embedding_ = register_module("embedding", torch::nn::Embedding(classes, width));
  // Each row is a class's own output layer on φ(x): started at the scale of
  // LibTorch's Linear(F, 1), U(±1/√F), not the embedding's N(0, 1), which
  // would give logits of order √F before any training.
  torch::NoGradGuard guard;
  const double bound = 1.0 / std::sqrt(static_cast<double>(width));
  (spectral_ ? spectral_->weight : embedding_->weight).uniform_(-bound, bound);
}

DiscriminatorOutput ProjectionDiscriminator::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  auto out = inner().forward(x);
  const auto classes = requireClassLabels(labels, x.size(0));
  auto e = spectral_ ? spectral_->normalizedWeight().index_select(0, classes) : embedding_(classes);
  out.logits = out.logits + (e.to(out.features.dtype()) * out.features).sum(1).to(out.logits.dtype());
  return out;
}

ConditioningEntry projectionConditioning() {
  ConditioningEntry entry;
  entry.name = "projection";
  entry.summary = "D's output plus the inner product of a learned class embedding with D's features; G as concat";
  entry.citation = "Miyato & Koyama 2018, cGANs with Projection Discriminator";
  entry.wrapDiscriminator = [](std::shared_ptr<Discriminator> inner, const ModelContext& context) {
    return std::make_shared<ProjectionDiscriminator>(std::move(inner), context.classes);
  };
  return entry;
}

}  // namespace gantry::models
