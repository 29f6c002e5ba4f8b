#include "gantry/models/PairedLinear.h"

#include <ATen/ExpandUtils.h>
#include <torch/torch.h>

namespace gantry::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// The gradients below follow LibTorch 1.13's own formulas for addmm(b, x, Wᵀ)
/// (torch/csrc/autograd/FunctionsManual.cpp: mm_mat1_backward,
/// mm_mat2_backward; the bias gradient is sum_to of the output gradient), so
/// each value is computed by the same kernel on the same operands.
struct PairedLinearFunction : public torch::autograd::Function<PairedLinearFunction> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& first, const torch::Tensor& second,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    ctx->save_for_backward({first, second, weight, bias});
    return {torch::nn::functional::linear(first, weight, bias), torch::nn::functional::linear(second, weight, bias)};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &first = saved[0], &second = saved[1], &weight = saved[2], &bias = saved[3];
    const auto &gradFirst = grads[0], &gradSecond = grads[1];
    torch::Tensor dFirst, dSecond, dWeight, dBias;
    if (ctx->needs_input_grad(0) && gradFirst.defined()) dFirst = gradFirst.mm(weight);
    if (ctx->needs_input_grad(1) && gradSecond.defined()) dSecond = gradSecond.mm(weight);
    if (ctx->needs_input_grad(2)) {
      if (gradFirst.defined()) dWeight = gradFirst.t().mm(first);
      if (gradSecond.defined())
        dWeight = dWeight.defined() ? dWeight.addmm_(gradSecond.t(), second) : gradSecond.t().mm(second);
    }
    if (bias.defined() && ctx->needs_input_grad(3)) {
      if (gradFirst.defined()) dBias = at::sum_to(gradFirst, bias.sizes());
      if (gradSecond.defined()) {
        auto term = at::sum_to(gradSecond, bias.sizes());
        dBias = dBias.defined() ? dBias + term : term;
      }
    }
    return {dFirst, dSecond, dWeight, dBias};
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> pairedLinear(const torch::Tensor& first, const torch::Tensor& second,
                                                     const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(first.dim() == 2 && second.dim() == 2, "pairedLinear expects 2-D inputs");
  auto outputs = PairedLinearFunction::apply(first, second, weight, bias);
  return {outputs[0], outputs[1]};
}

}  // namespace gantry::models
