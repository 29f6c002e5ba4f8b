#include "gantry/models/Maxout.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// max over each unit's pieces for contiguous float32 on the CPU, in one pass:
/// Tensor::max(2) on the [N, units, pieces] view is a generic strided
/// reduction (about 10× slower at the 2014 networks' sizes) and its backward
/// scatters through int64 indices. Same values, the same winning piece (the
/// first largest; a NaN wins, as in ATen) and so the same gradients.
struct MaxOverPieces : public torch::autograd::Function<MaxOverPieces> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& y, int64_t pieces) {
    const int64_t rows = y.size(0), units = y.size(1) / pieces;
    auto out = torch::empty({rows, units}, y.options());
    auto winners = torch::empty({rows, units}, y.options().dtype(torch::kUInt8));
    const float* in = y.data_ptr<float>();
    float* max = out.data_ptr<float>();
    uint8_t* arg = winners.data_ptr<uint8_t>();
    for (int64_t u = 0; u < rows * units; ++u, in += pieces) {
      float best = in[0];
      uint8_t index = 0;
      for (int64_t j = 1; j < pieces && !std::isnan(best); ++j) {
        if (!(in[j] <= best)) {
          best = in[j];
          index = static_cast<uint8_t>(j);
        }
      }
      max[u] = best;
      arg[u] = index;
    }
    ctx->save_for_backward({winners});
    ctx->saved_data["pieces"] = pieces;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto winners = ctx->get_saved_variables()[0];
    const int64_t pieces = ctx->saved_data["pieces"].toInt();
    const int64_t rows = winners.size(0), units = winners.size(1);
    const auto& grad = grads[0];
    if (torch::GradMode::is_enabled()) {
      // create_graph: the same scatter, recorded so that it can be differentiated.
      auto index = winners.to(torch::kLong).unsqueeze(2);
      auto full = torch::zeros({rows, units, pieces}, grad.options()).scatter(2, index, grad.unsqueeze(2));
      return {full.view({rows, units * pieces}), torch::Tensor()};
    }
    auto contiguous = grad.contiguous();
    auto full = torch::zeros({rows, units * pieces}, grad.options());
    const float* g = contiguous.data_ptr<float>();
    const uint8_t* arg = winners.data_ptr<uint8_t>();
    float* out = full.data_ptr<float>();
    for (int64_t u = 0; u < rows * units; ++u) out[u * pieces + arg[u]] = g[u];
    return {full, torch::Tensor()};
  }
};

}  // namespace

MaxoutImpl::MaxoutImpl(int64_t inFeatures, int64_t units, int64_t pieces)
    : inFeatures_(inFeatures), units_(units), pieces_(pieces) {
  reset();
}

void MaxoutImpl::reset() { linear = register_module("linear", torch::nn::Linear(inFeatures_, units_ * pieces_)); }

torch::Tensor MaxoutImpl::forward(const torch::Tensor& x) { return activate(linear(x)); }

torch::Tensor MaxoutImpl::activate(const torch::Tensor& y) const {
  if (y.device().is_cpu() && y.scalar_type() == torch::kFloat32 && y.dim() == 2 && y.is_contiguous() && pieces_ <= 256)
    return MaxOverPieces::apply(y, pieces_);
  return std::get<0>(y.view({y.size(0), units_, pieces_}).max(2));
}

}  // namespace gantry::models
