#include "gantry/objectives/Penalty.h"

#include "gantry/objectives/GradientPenalty.h"
#include "gantry/objectives/ZeroCenteredPenalty.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor inputGradients(models::Discriminator& discriminator, const torch::Tensor& x) {
  auto input = x.detach().requires_grad_(true);
  auto output = discriminator.forward(input);
  return torch::autograd::grad({output.sum()}, {input}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                               /*create_graph=*/true)[0];
}

torch::Tensor perSampleSquaredNorm(const torch::Tensor& gradients) {
  return gradients.reshape({gradients.size(0), -1}).pow(2).sum(1);
}

std::unique_ptr<Penalty> makePenalty(const std::string& name, const PenaltyOptions& options) {
  if (name == "r1") return std::make_unique<ZeroCenteredPenalty>(ZeroCenteredPenalty::On::Real);
  if (name == "r2") return std::make_unique<ZeroCenteredPenalty>(ZeroCenteredPenalty::On::Generated);
  if (name == "gp") return std::make_unique<GradientPenalty>(options.one_sided);
  return nullptr;
}

std::vector<std::string> penaltyNames() { return {"r1", "r2", "gp"}; }

}  // namespace gantry::objectives
