#include "gantry/objectives/ClassLoss.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor ClassLoss::operator()(const torch::Tensor& classLogits, const torch::Tensor& labels) const {
  TORCH_CHECK(labels.defined() && labels.size(0) == classLogits.size(0),
              "a class head's loss needs the batch's labels, one per sample");
  // Taken in float32 at least, as the adversarial losses are.
  auto logits = classLogits.scalar_type() == torch::kBFloat16 ? classLogits.to(torch::kFloat32) : classLogits;
  return weight * torch::nn::functional::cross_entropy(logits, labels.to(torch::kLong));
}

}  // namespace gantry::objectives
