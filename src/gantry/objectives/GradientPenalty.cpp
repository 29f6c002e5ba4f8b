#include "gantry/objectives/GradientPenalty.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor GradientPenalty::interpolate(const torch::Tensor& real, const torch::Tensor& fake,
                                           const torch::Tensor& epsilon) {
  std::vector<int64_t> shape(static_cast<size_t>(real.dim()), 1);
  shape[0] = real.size(0);
  auto e = epsilon.reshape(shape).to(real.options());
  return e * real + (1.0 - e) * fake;
}

torch::Tensor GradientPenalty::at(models::Discriminator& discriminator, const torch::Tensor& points) const {
  // LibTorch's norm has a zero (sub)gradient at a zero vector, where the
  // derivative of sqrt(Σg²) would be NaN (a flat D).
  auto gradients = inputGradients(discriminator, points);
  auto norms = gradients.reshape({gradients.size(0), -1}).norm(2, 1);
  auto excess = norms - 1.0;
  if (oneSided_) excess = torch::relu(excess);
  return excess.pow(2).mean();
}

torch::Tensor GradientPenalty::compute(models::Discriminator& discriminator, const torch::Tensor& real,
                                       const torch::Tensor& fake) const {
  // ε on the CPU from the seeded default generator (reproducible, and kept
  // in checkpoints), then moved to the samples' device.
  auto epsilon = torch::rand({real.size(0)}, torch::kFloat32);
  return at(discriminator, interpolate(real.detach(), fake.detach(), epsilon));
}

}  // namespace gantry::objectives
