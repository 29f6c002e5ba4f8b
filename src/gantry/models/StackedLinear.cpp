#include "gantry/models/StackedLinear.h"

#include "gantry/core/Overlap.h"

#include <torch/torch.h>

namespace gantry::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// work(first, count) for the members' two halves, the second on the helper
/// thread when `overlap` (gantry/core/Overlap.h): each member's products stay
/// the same BLAS calls, so the results are the same bit for bit.
template <typename Work>
void byHalves(bool overlap, int64_t members, Work work) {
  if (!overlap || members < 2) {
    work(0, members);
    return;
  }
  const int64_t half = members / 2;
  overlapped(
      true, [&] { work(half, members - half); }, [&] { work(0, half); });
}

struct StackedLinearFunction : public torch::autograd::Function<StackedLinearFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, bool overlap) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["overlap"] = overlap;
    auto out = torch::empty({x.size(0), x.size(1), weight.size(1)}, x.options());
    byHalves(overlap, x.size(0), [&](int64_t first, int64_t count) {
      auto rows = out.narrow(0, first, count);
      torch::baddbmm_out(rows, bias.narrow(0, first, count), x.narrow(0, first, count),
                         weight.narrow(0, first, count).transpose(1, 2));
    });
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    const auto& grad = grads[0];
    torch::Tensor dx, dWeight, dBias;
    // Split over two threads only when no graph is recorded (a graph built
    // on the helper thread would take its sequence numbers).
    const bool overlap = ctx->saved_data["overlap"].toBool() && !torch::GradMode::is_enabled();
    if (!overlap) {
      if (ctx->needs_input_grad(0)) dx = grad.bmm(weight);
      if (ctx->needs_input_grad(1)) dWeight = grad.transpose(1, 2).bmm(x);
      if (ctx->needs_input_grad(2)) dBias = grad.sum(1, /*keepdim=*/true);
      return {dx, dWeight, dBias, torch::Tensor()};
    }
    if (ctx->needs_input_grad(0)) dx = torch::empty_like(x);
    if (ctx->needs_input_grad(1)) dWeight = torch::empty_like(weight);
    if (ctx->needs_input_grad(2)) dBias = torch::empty({grad.size(0), 1, grad.size(2)}, grad.options());
    byHalves(true, x.size(0), [&](int64_t first, int64_t count) {
      auto g = grad.narrow(0, first, count);
      if (dx.defined()) {
        auto rows = dx.narrow(0, first, count);
        torch::bmm_out(rows, g, weight.narrow(0, first, count));
      }
      if (dWeight.defined()) {
        auto rows = dWeight.narrow(0, first, count);
        torch::bmm_out(rows, g.transpose(1, 2), x.narrow(0, first, count));
      }
      if (dBias.defined()) {
        auto rows = dBias.narrow(0, first, count);
        torch::sum_out(rows, g, {1}, /*keepdim=*/true);
      }
    });
    return {dx, dWeight, dBias, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor stackedLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            bool overlap) {
  return StackedLinearFunction::apply(x, weight, bias, overlap);
}

}  // namespace gantry::models
