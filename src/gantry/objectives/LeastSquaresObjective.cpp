#include "gantry/objectives/LeastSquaresObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor LeastSquaresObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                       const torch::Tensor& fakeLogits) const {
  return 0.5 * (realLogits - 1.0).pow(2).mean() + 0.5 * fakeLogits.pow(2).mean();
}

torch::Tensor LeastSquaresObjective::generatorLoss(const torch::Tensor& fakeLogits) const {
  return 0.5 * (fakeLogits - 1.0).pow(2).mean();
}

torch::Tensor LeastSquaresObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -discriminatorLoss(realLogits, fakeLogits);
}

}  // namespace gantry::objectives
