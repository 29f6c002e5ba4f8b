#include "gantry/objectives/ZeroCenteredPenalty.h"

#include <torch/torch.h>

namespace gantry::objectives {

PenaltyEntry r1Penalty() {
  return {{"r1", "gamma/2 E|grad D|^2 on real data (zero-centred)",
           "Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?"},
          [](const PenaltyOptions&) { return std::make_unique<ZeroCenteredPenalty>(ZeroCenteredPenalty::On::Real); }};
}

PenaltyEntry r2Penalty() {
  return {
      {"r2", "gamma/2 E|grad D|^2 on generated samples (zero-centred)",
       "Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?"},
      [](const PenaltyOptions&) { return std::make_unique<ZeroCenteredPenalty>(ZeroCenteredPenalty::On::Generated); }};
}

torch::Tensor ZeroCenteredPenalty::at(models::Discriminator& discriminator, const torch::Tensor& points,
                                      const torch::Tensor& labels) {
  return 0.5 *
         perInputSquaredNorm(inputGradients(discriminator, points, labels), discriminator.samplesPerInput()).mean();
}

torch::Tensor ZeroCenteredPenalty::compute(models::Discriminator& discriminator, const data::Batch& real,
                                           const data::Batch& fake) const {
  const auto& on = on_ == On::Real ? real : fake;
  return at(discriminator, on.samples, on.labels);
}

}  // namespace gantry::objectives
