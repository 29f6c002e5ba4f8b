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

PenaltyEntry gradientPenalty() {
  return {{"gp", "lambda E(|grad D| - 1)^2 at random interpolates of real and generated samples (gp_one_sided)",
           "Gulrajani et al. 2017, Improved Training of Wasserstein GANs"},
          [](const PenaltyOptions& options) { return std::make_unique<GradientPenalty>(options.one_sided); }};
}

torch::Tensor GradientPenalty::at(models::Discriminator& discriminator, const torch::Tensor& points,
                                  const torch::Tensor& labels) const {
  // LibTorch's norm has a zero (sub)gradient at a zero vector, where the
  // derivative of sqrt(Σg²) would be NaN (a flat D).
  auto gradients = inputGradients(discriminator, points, labels);
  // One norm per input of D: a PacGAN pack's over its m samples together.
  auto norms = gradients.reshape({gradients.size(0) / discriminator.samplesPerInput(), -1}).norm(2, 1);
  auto excess = norms - 1.0;
  if (oneSided_) excess = torch::relu(excess);
  return excess.pow(2).mean();
}

torch::Tensor GradientPenalty::compute(models::Discriminator& discriminator, const data::Batch& real,
                                       const data::Batch& fake) const {
  // ε on the CPU from the seeded default generator (reproducible, and kept
  // in checkpoints), then moved to the samples' device. One per input of D:
  // a pack's interpolate lies on the segment between a real and a
  // generated pack.
  const int64_t m = discriminator.samplesPerInput();
  auto epsilon = torch::rand({real.samples.size(0) / m}, torch::kFloat32);
  if (m > 1) epsilon = epsilon.repeat_interleave(m);
  return at(discriminator, interpolate(real.samples.detach(), fake.samples.detach(), epsilon), real.labels);
}

}  // namespace gantry::objectives
