#include "gantry/objectives/HingeObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor HingeObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                const torch::Tensor& fakeLogits) const {
  return torch::relu(1.0 - realLogits).mean() + torch::relu(1.0 + fakeLogits).mean();
}

ObjectiveEntry hingeObjective() {
  return {{"hinge", "hinge loss for D (margin 1), G ascends D's raw output",
           "Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs"},
          [](const ObjectiveOptions&) { return std::make_unique<HingeObjective>(); }};
}

torch::Tensor HingeObjective::generatorLoss(const torch::Tensor&, const torch::Tensor& fakeLogits) const {
  return -fakeLogits.mean();
}

torch::Tensor HingeObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -discriminatorLoss(realLogits, fakeLogits);
}

}  // namespace gantry::objectives
