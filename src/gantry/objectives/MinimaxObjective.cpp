#include "gantry/objectives/MinimaxObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

namespace F = torch::nn::functional;

std::string MinimaxObjective::name() const {
  return generatorLoss_ == GeneratorLoss::Saturating ? "minimax" : "nonsaturating";
}

torch::Tensor MinimaxObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  // log D(x) = -softplus(-l_real); log(1 - D(G(z))) = -softplus(l_fake).
  return -F::softplus(-realLogits).mean() - F::softplus(fakeLogits).mean();
}

torch::Tensor MinimaxObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                  const torch::Tensor& fakeLogits) const {
  return -0.5 * value(realLogits, fakeLogits);
}

torch::Tensor MinimaxObjective::generatorLoss(const torch::Tensor& fakeLogits) const {
  if (generatorLoss_ == GeneratorLoss::Saturating) return -F::softplus(fakeLogits).mean();  // E log(1 - D)
  return F::softplus(-fakeLogits).mean();                                                   // -E log D
}

}  // namespace gantry::objectives
