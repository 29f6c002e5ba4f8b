#include "gantry/objectives/FeatureMatching.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor FeatureMatching::operator()(const torch::Tensor& realFeatures, const torch::Tensor& fakeFeatures) const {
  auto target = realFeatures.detach().to(torch::kFloat32).mean(0);
  return (target - fakeFeatures.to(torch::kFloat32).mean(0)).square().sum();
}

}  // namespace gantry::objectives
