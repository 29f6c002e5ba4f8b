#include "gantry/models/PairedLinear.h"

#include "gantry/core/Overlap.h"

#include <ATen/ExpandUtils.h>
#include <torch/torch.h>

namespace gantry::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Tensor sumDefined(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}

/// The gradients below follow LibTorch 1.13's own formulas for addmm(b, x, Wᵀ)
/// (torch/csrc/autograd/FunctionsManual.cpp: mm_mat1_backward,
/// mm_mat2_backward; the bias gradient is sum_to of the output gradient), so
/// each value is computed by the same kernel on the same operands. The two
/// batches' products are independent: with overlapping on they run on two
/// threads (gantry/core/Overlap.h), each the same call as in two passes.
struct PairedLinearFunction : public torch::autograd::Function<PairedLinearFunction> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& first, const torch::Tensor& second,
                               const torch::Tensor& weight, const torch::Tensor& bias, bool overlap) {
    ctx->save_for_backward({first, second, weight, bias});
    ctx->saved_data["overlap"] = overlap;
    torch::Tensor firstOut, secondOut;
    overlapped(
        overlap, [&] { secondOut = torch::nn::functional::linear(second, weight, bias); },
        [&] { firstOut = torch::nn::functional::linear(first, weight, bias); });
    return {firstOut, secondOut};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &first = saved[0], &second = saved[1], &weight = saved[2], &bias = saved[3];
    const auto &gradFirst = grads[0], &gradSecond = grads[1];
    torch::Tensor dFirst, dSecond, dWeight, dBias;
    const bool weightNeeded = ctx->needs_input_grad(2);
    const bool overlap = ctx->saved_data["overlap"].toBool();
    if (overlap && !torch::GradMode::is_enabled()) {
      // Each batch's products on its own thread: its input gradient and its
      // term of the weight gradient, then the two terms added as autograd
      // adds them (floating-point addition commutes: the same bits).
      torch::Tensor firstTerm, secondTerm;
      auto firstProducts = [&] {
        if (!gradFirst.defined()) return;
        if (ctx->needs_input_grad(0)) dFirst = gradFirst.mm(weight);
        if (weightNeeded) firstTerm = gradFirst.t().mm(first);
      };
      auto secondProducts = [&] {
        if (!gradSecond.defined()) return;
        if (ctx->needs_input_grad(1)) dSecond = gradSecond.mm(weight);
        if (weightNeeded) secondTerm = gradSecond.t().mm(second);
      };
      overlapped(true, secondProducts, firstProducts);
      if (weightNeeded) dWeight = sumDefined(firstTerm, secondTerm);
    } else {
      // One thread: the second term accumulated into the first by the
      // matrix multiply (beta = 1), which rounds as the addition does.
      if (ctx->needs_input_grad(0) && gradFirst.defined()) dFirst = gradFirst.mm(weight);
      if (ctx->needs_input_grad(1) && gradSecond.defined()) dSecond = gradSecond.mm(weight);
      if (weightNeeded) {
        if (gradFirst.defined()) dWeight = gradFirst.t().mm(first);
        if (gradSecond.defined())
          dWeight = dWeight.defined() ? dWeight.addmm_(gradSecond.t(), second) : gradSecond.t().mm(second);
      }
    }
    if (bias.defined() && ctx->needs_input_grad(3)) {
      torch::Tensor firstBias, secondBias;
      if (gradFirst.defined()) firstBias = at::sum_to(gradFirst, bias.sizes());
      if (gradSecond.defined()) secondBias = at::sum_to(gradSecond, bias.sizes());
      dBias = sumDefined(firstBias, secondBias);
    }
    return {dFirst, dSecond, dWeight, dBias, torch::Tensor()};
  }
};

/// pairedLinear's single-batch form: addmm's gradients, with the input's
/// computed beside the parameters'.
struct OverlappedLinearFunction : public torch::autograd::Function<OverlappedLinearFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, const torch::Tensor& weight,
                               const torch::Tensor& bias, bool overlap) {
    ctx->save_for_backward({input, weight, bias});
    ctx->saved_data["overlap"] = overlap;
    return torch::nn::functional::linear(input, weight, bias);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &input = saved[0], &weight = saved[1], &bias = saved[2];
    const auto& grad = grads[0];
    torch::Tensor dInput, dWeight, dBias;
    if (!grad.defined()) return {dInput, dWeight, dBias, torch::Tensor()};
    // The weight's product on the helper, the input's and the bias's sum
    // (about as long together) on the caller.
    auto weightGradient = [&] {
      if (ctx->needs_input_grad(1)) dWeight = grad.t().mm(input);
    };
    auto otherGradients = [&] {
      if (ctx->needs_input_grad(0)) dInput = grad.mm(weight);
      if (bias.defined() && ctx->needs_input_grad(2)) dBias = at::sum_to(grad, bias.sizes());
    };
    // A backward that records (create_graph) keeps its graph on this thread.
    if (ctx->saved_data["overlap"].toBool() && ctx->needs_input_grad(0) && !torch::GradMode::is_enabled())
      overlapped(true, weightGradient, otherGradients);
    else {
      weightGradient();
      otherGradients();
    }
    return {dInput, dWeight, dBias, torch::Tensor()};
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> pairedLinear(const torch::Tensor& first, const torch::Tensor& second,
                                                     const torch::Tensor& weight, const torch::Tensor& bias,
                                                     bool overlap) {
  TORCH_CHECK(first.dim() == 2 && second.dim() == 2, "pairedLinear expects 2-D inputs");
  auto outputs = PairedLinearFunction::apply(first, second, weight, bias, overlap);
  return {outputs[0], outputs[1]};
}

torch::Tensor overlappedLinear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                               bool overlap) {
  TORCH_CHECK(input.dim() == 2, "overlappedLinear expects a 2-D input");
  return OverlappedLinearFunction::apply(input, weight, bias, overlap);
}

}  // namespace gantry::models
