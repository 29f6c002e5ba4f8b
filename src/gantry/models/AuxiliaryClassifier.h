#pragma once

#include "gantry/models/DiscriminatorWrapper.h"
#include "gantry/models/SpectralNorm.h"

#include <torch/nn/modules/linear.h>

#include <memory>

namespace gantry::models {

/// AC-GAN's discriminator (Odena, Olah & Shlens 2017, "Conditional Image
/// Synthesis with Auxiliary Classifier GANs", ICML): an unconditional D
/// with a second head on its features φ(x) that predicts the class,
///
///   D(x) = ψ(φ(x)),   P(C = c | x) = softmax(W φ(x) + b)_c,
///
/// so the adversarial output does not read the label; the class reaches the
/// game through the class term both players' losses get (gantry/objectives/
/// ClassLoss.h), which the trainer adds whenever D's output carries
/// classLogits. Wraps a D of any family that exposes its features; the head
/// is spectrally normalised when the inner D is (StudioGAN's ACGAN under SN).
class AuxiliaryClassifierDiscriminator : public DiscriminatorWrapper {
 public:
  AuxiliaryClassifierDiscriminator(std::shared_ptr<Discriminator> inner, int64_t classes);
  /// The labels are not read: the class head predicts them.
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;

 private:
  std::vector<torch::Tensor*> ownSlots() override {
    if (spectralHead_) return {&spectralHead_->weight, &spectralHead_->bias};
    return {&head_->weight, &head_->bias};
  }

  torch::nn::Linear head_{nullptr};
  SpectralNormalized spectralHead_{nullptr};
};

}  // namespace gantry::models
