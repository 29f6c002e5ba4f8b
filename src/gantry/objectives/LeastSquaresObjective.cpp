#include "gantry/objectives/LeastSquaresObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor LeastSquaresObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                       const torch::Tensor& fakeLogits) const {
  return 0.5 * (realLogits - 1.0).pow(2).mean() + 0.5 * fakeLogits.pow(2).mean();
}

ObjectiveEntry leastSquaresObjective() {
  return {{"lsgan", "least squares with the 0-1 coding (a = 0, b = c = 1)",
           "Mao et al. 2017, Least Squares Generative Adversarial Networks"},
          [](const ObjectiveOptions&) { return std::make_unique<LeastSquaresObjective>(); }};
}

torch::Tensor LeastSquaresObjective::generatorLoss(const torch::Tensor&, const torch::Tensor& fakeLogits) const {
  return 0.5 * (fakeLogits - 1.0).pow(2).mean();
}

torch::Tensor LeastSquaresObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -discriminatorLoss(realLogits, fakeLogits);
}

}  // namespace gantry::objectives
