#pragma once

#include "gantry/models/DiscriminatorWrapper.h"
#include "gantry/models/SpectralNorm.h"

#include <torch/nn/modules/embedding.h>

#include <memory>

namespace gantry::models {

/// The projection discriminator of Miyato & Koyama (2018, "cGANs with
/// Projection Discriminator", ICLR), eq. 3: the class enters D's output as
/// an inner product with D's features φ(x),
///
///   D(x | y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩,
///
/// where ψ is an unconditional D's last layer and e a learned embedding
/// (one row of width F per class). It is the form the log density ratio
/// takes when p(y | x) is log-linear in φ(x) (the paper's eq. 1–3), and
/// unlike concatenation it lets the class act on what D has already
/// extracted. Wraps an unconditional D of any family that exposes its
/// features (featureWidth() > 0). When the inner D is spectrally
/// normalised, so is the embedding matrix [classes, F] (the paper's code:
/// SNEmbedID): e(y) is a row of E / σ(E).
class ProjectionDiscriminator : public DiscriminatorWrapper {
 public:
  ProjectionDiscriminator(std::shared_ptr<Discriminator> inner, int64_t classes);
  /// Labels [N] in [0, classes) are required.
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;

 private:
  std::vector<torch::Tensor*> ownSlots() override { return {spectral_ ? &spectral_->weight : &embedding_->weight}; }

  torch::nn::Embedding embedding_{nullptr};
  /// The embedding under spectral normalisation: a linear layer's [classes, F]
  /// weight, whose normalised rows are read.
  SpectralNormalized spectral_{nullptr};
};

}  // namespace gantry::models
