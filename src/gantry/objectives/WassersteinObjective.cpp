#include "gantry/objectives/WassersteinObjective.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::objectives {

WassersteinObjective::WassersteinObjective(Constraint constraint, double clip) : constraint_(constraint), clip_(clip) {
  if (constraint_ == Constraint::WeightClipping && !(clip_ > 0.0))
    throw std::invalid_argument("wgan: the weight clipping bound must be positive");
}

torch::Tensor WassersteinObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return realLogits.mean() - fakeLogits.mean();
}

torch::Tensor WassersteinObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                      const torch::Tensor& fakeLogits) const {
  return fakeLogits.mean() - realLogits.mean();
}

torch::Tensor WassersteinObjective::generatorLoss(const torch::Tensor& fakeLogits) const { return -fakeLogits.mean(); }

void WassersteinObjective::constrainDiscriminator(models::Discriminator& discriminator) const {
  if (constraint_ != Constraint::WeightClipping) return;
  // The paper clips every parameter of the critic, biases included.
  torch::NoGradGuard guard;
  for (auto& p : discriminator.parameters()) p.clamp_(-clip_, clip_);
}

}  // namespace gantry::objectives
