#include "gantry/objectives/RelativisticObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

namespace {

namespace F = torch::nn::functional;

}  // namespace

torch::Tensor RelativisticObjective::relativeLoss(const torch::Tensor& better, const torch::Tensor& worse) const {
  if (kind_ == Kind::Standard) {
    TORCH_CHECK(better.sizes() == worse.sizes(), "rsgan pairs the two batches row by row: give them the same size");
    return F::softplus(-(better - worse)).mean();
  }
  return 0.5 * F::softplus(-(better - worse.mean())).mean() + 0.5 * F::softplus(worse - better.mean()).mean();
}

torch::Tensor RelativisticObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                       const torch::Tensor& fakeLogits) const {
  return relativeLoss(realLogits, fakeLogits);
}

torch::Tensor RelativisticObjective::generatorLoss(const torch::Tensor& realLogits,
                                                   const torch::Tensor& fakeLogits) const {
  TORCH_CHECK(realLogits.defined(), "a relativistic generator loss needs D's outputs on the real batch");
  return relativeLoss(fakeLogits, realLogits);
}

torch::Tensor RelativisticObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -discriminatorLoss(realLogits, fakeLogits);
}

ObjectiveEntry relativisticStandardObjective() {
  return {{"rsgan", "relativistic standard GAN: D says how much more real a real sample is than a generated one",
           "Jolicoeur-Martineau 2018, The relativistic discriminator"},
          [](const ObjectiveOptions&) {
            return std::make_unique<RelativisticObjective>(RelativisticObjective::Kind::Standard);
          }};
}

ObjectiveEntry relativisticAverageObjective() {
  return {{"ragan", "relativistic average standard GAN (RaSGAN): each side against the other's mean",
           "Jolicoeur-Martineau 2018, The relativistic discriminator"},
          [](const ObjectiveOptions&) {
            return std::make_unique<RelativisticObjective>(RelativisticObjective::Kind::Average);
          }};
}

}  // namespace gantry::objectives
