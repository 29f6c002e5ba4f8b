#include "gantry/objectives/WassersteinObjective.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::objectives {

ObjectiveEntry wassersteinObjective() {
  return {{"wgan", "Wasserstein critic kept Lipschitz by weight clipping to [-c, c] (weight_clip; 0: unconstrained)",
           "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN"},
          [](const ObjectiveOptions& options) {
            return std::make_unique<WassersteinObjective>(WassersteinObjective::Constraint::WeightClipping,
                                                          options.weight_clip);
          }};
}

ObjectiveEntry wassersteinGpObjective() {
  return {{"wgan-gp", "Wasserstein critic with the gradient penalty at interpolates (implies penalty = gp)",
           "Gulrajani et al. 2017, Improved Training of Wasserstein GANs"},
          [](const ObjectiveOptions&) {
            return std::make_unique<WassersteinObjective>(WassersteinObjective::Constraint::GradientPenalty);
          }};
}

WassersteinObjective::WassersteinObjective(Constraint constraint, double clip) : constraint_(constraint), clip_(clip) {
  if (constraint_ == Constraint::WeightClipping && !(clip_ >= 0.0))
    throw std::invalid_argument("wgan: the weight clipping bound must not be negative");
}

torch::Tensor WassersteinObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return realLogits.mean() - fakeLogits.mean();
}

torch::Tensor WassersteinObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                      const torch::Tensor& fakeLogits) const {
  return fakeLogits.mean() - realLogits.mean();
}

torch::Tensor WassersteinObjective::generatorLoss(const torch::Tensor&, const torch::Tensor& fakeLogits) const {
  return -fakeLogits.mean();
}

void WassersteinObjective::constrainDiscriminator(models::Discriminator& discriminator) const {
  if (constraint_ != Constraint::WeightClipping || clip_ == 0.0) return;
  // The paper clips every parameter of the critic, biases included.
  torch::NoGradGuard guard;
  for (auto& p : discriminator.parameters()) p.clamp_(-clip_, clip_);
}

}  // namespace gantry::objectives
