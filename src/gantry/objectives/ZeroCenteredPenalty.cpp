#include "gantry/objectives/ZeroCenteredPenalty.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor ZeroCenteredPenalty::at(models::Discriminator& discriminator, const torch::Tensor& points) {
  return 0.5 * perSampleSquaredNorm(inputGradients(discriminator, points)).mean();
}

torch::Tensor ZeroCenteredPenalty::compute(models::Discriminator& discriminator, const torch::Tensor& real,
                                           const torch::Tensor& fake) const {
  return at(discriminator, on_ == On::Real ? real : fake);
}

}  // namespace gantry::objectives
