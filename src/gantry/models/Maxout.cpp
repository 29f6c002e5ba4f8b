#include "gantry/models/Maxout.h"

#include <torch/torch.h>

namespace gantry::models {

MaxoutImpl::MaxoutImpl(int64_t inFeatures, int64_t units, int64_t pieces)
    : inFeatures_(inFeatures), units_(units), pieces_(pieces) {
  reset();
}

void MaxoutImpl::reset() { linear = register_module("linear", torch::nn::Linear(inFeatures_, units_ * pieces_)); }

torch::Tensor MaxoutImpl::forward(const torch::Tensor& x) {
  return std::get<0>(linear(x).view({x.size(0), units_, pieces_}).max(2));
}

}  // namespace gantry::models
