#include "gantry/objectives/HingeObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor HingeObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                const torch::Tensor& fakeLogits) const {
  return torch::relu(1.0 - realLogits).mean() + torch::relu(1.0 + fakeLogits).mean();
}

torch::Tensor HingeObjective::generatorLoss(const torch::Tensor& fakeLogits) const { return -fakeLogits.mean(); }

torch::Tensor HingeObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -discriminatorLoss(realLogits, fakeLogits);
}

}  // namespace gantry::objectives
