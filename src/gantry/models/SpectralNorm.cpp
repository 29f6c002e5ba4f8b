#include "gantry/models/SpectralNorm.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/functional/normalization.h>
#include <torch/torch.h>

namespace gantry::models {

namespace {

torch::Tensor unit(const torch::Tensor& x) {
  // The paper's ε (PyTorch's default 1e-12) keeps a zero vector finite.
  return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12));
}

}  // namespace

SpectralNormalizedImpl::SpectralNormalizedImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                               bool withBias)
    : kernel_(kernel), stride_(stride), padding_(padding) {
  // LibTorch's own layers' initialisation (Kaiming uniform, a = √5): the
  // family that owns the layer may draw its weights again.
  weight = register_parameter("weight", kernel > 0 ? torch::empty({out, in, kernel, kernel}) : torch::empty({out, in}));
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (withBias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));
    bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
  }
  u = register_buffer("u", unit(torch::randn({out})));
  v = register_buffer("v", unit(torch::mv(weight.detach().flatten(1).t(), u)));
}

torch::Tensor SpectralNormalizedImpl::normalizedWeight() {
  auto matrix = weight.flatten(1);  // [out, in·k·k]
  if (is_training()) {
    torch::NoGradGuard noGrad;
    v.copy_(unit(torch::mv(matrix.t(), u)));
    u.copy_(unit(torch::mv(matrix, v)));
  }
  // σ = uᵀWv with u, v constants: its gradient with respect to W is u vᵀ.
  // Copies, as a later pass's iteration changes u and v in place while this
  // pass's graph still holds them (D judges real and generated batches in
  // two passes before one backward).
  return weight / torch::dot(u.clone(), torch::mv(matrix, v.clone()));
}

double SpectralNormalizedImpl::sigma() {
  torch::NoGradGuard noGrad;
  return torch::dot(u, torch::mv(weight.flatten(1), v)).item<double>();
}

torch::Tensor SpectralNormalizedImpl::forward(const torch::Tensor& x) {
  auto w = normalizedWeight();
  if (kernel_ == 0) return torch::nn::functional::linear(x, w, bias);
  return torch::conv2d(x, w, bias, {stride_, stride_}, {padding_, padding_});
}

}  // namespace gantry::models
