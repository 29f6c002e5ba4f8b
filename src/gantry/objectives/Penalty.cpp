#include "gantry/objectives/Penalty.h"

#include "gantry/objectives/GradientPenalty.h"
#include "gantry/objectives/ZeroCenteredPenalty.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor inputGradients(models::Discriminator& discriminator, const torch::Tensor& x,
                             const torch::Tensor& labels) {
  auto input = x.detach().requires_grad_(true);
  auto output = discriminator.forward(input, labels).logits;
  return torch::autograd::grad({output.sum()}, {input}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                               /*create_graph=*/true)[0];
}

torch::Tensor perInputSquaredNorm(const torch::Tensor& gradients, int64_t samplesPerInput) {
  // A pack's samples are consecutive rows: its gradient is theirs, end to end.
  return gradients.reshape({gradients.size(0) / samplesPerInput, -1}).pow(2).sum(1);
}

const Registry<PenaltyEntry>& penalties() {
  static const Registry<PenaltyEntry> registry = [] {
    Registry<PenaltyEntry> r("penalty");
    r.add(r1Penalty());
    r.add(r2Penalty());
    r.add(gradientPenalty());
    return r;
  }();
  return registry;
}

std::unique_ptr<Penalty> makePenalty(const std::string& name, const PenaltyOptions& options) {
  const auto* entry = penalties().find(name);
  return entry ? entry->make(options) : nullptr;
}

std::vector<std::string> penaltyNames() { return penalties().names(); }

}  // namespace gantry::objectives
