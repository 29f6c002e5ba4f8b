#include "gantry/train/FlatParameters.h"

#include <torch/torch.h>

namespace gantry::train {

FlatParameters::FlatParameters(torch::nn::Module& module) : module_(module) {
  auto parameters = module_.parameters();
  int64_t total = 0;
  for (const auto& p : parameters) total += p.numel();
  auto options = parameters.empty() ? torch::TensorOptions() : parameters.front().options();
  values_ = torch::empty({total}, options.requires_grad(false));
  values_.mutable_grad() = torch::zeros({total}, options.requires_grad(false));
  rebind();
}

bool FlatParameters::pays(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return module.parameters().size() > 1 && total < 250000;
}

void FlatParameters::rebind() {
  torch::NoGradGuard guard;
  int64_t offset = 0;
  for (auto& p : module_.parameters()) {
    auto slice = values_.narrow(0, offset, p.numel()).view(p.sizes());
    if (p.data_ptr() != slice.data_ptr()) slice.copy_(p);
    p.set_data(slice);
    p.mutable_grad() = values_.grad().narrow(0, offset, p.numel()).view(p.sizes());
    offset += p.numel();
  }
}

}  // namespace gantry::train
