#include "gantry/train/MemberAdam.h"

#include <c10/util/irange.h>
#include <torch/torch.h>

#include <cmath>

namespace gantry::train {

void memberAdamStep(torch::optim::Adam& adam, const std::vector<torch::Tensor>& memberOf,
                    const std::vector<double>& rates) {
  torch::NoGradGuard guard;
  size_t index = 0;
  for (auto& group : adam.param_groups()) {
    auto& options = static_cast<torch::optim::AdamOptions&>(group.options());
    TORCH_CHECK(!options.amsgrad(), "memberAdamStep: amsgrad is not supported");
    for (auto& p : group.params()) {
      const auto& members = memberOf.at(index++);
      if (!p.grad().defined()) continue;
      auto grad = p.grad();
      auto& states = adam.state();
      const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
      if (states.find(key) == states.end()) {
        auto state = std::make_unique<torch::optim::AdamParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        states[key] = std::move(state);
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*states[key]);
      auto& expAvg = state.exp_avg();
      auto& expAvgSq = state.exp_avg_sq();
      state.step(state.step() + 1);
      const auto beta1 = std::get<0>(options.betas());
      const auto beta2 = std::get<1>(options.betas());
      const auto biasCorrection1 = 1 - std::pow(beta1, state.step());
      const auto biasCorrection2 = 1 - std::pow(beta2, state.step());
      if (options.weight_decay() != 0) grad = grad.add(p, options.weight_decay());
      expAvg.mul_(beta1).add_(grad, 1 - beta1);
      expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      const auto denom = (expAvgSq.sqrt() / std::sqrt(biasCorrection2)).add_(options.eps());
      // Each member's -lr / bias_correction1 in double, then in the
      // parameter's type, as addcdiv converts its value.
      std::vector<double> steps;
      for (double rate : rates) steps.push_back(-rate / biasCorrection1);
      const auto perMember = torch::tensor(steps, torch::kFloat64).to(p.device(), p.scalar_type());
      const auto perElement = perMember.index_select(0, members.reshape(-1)).view_as(p);
      p.addcdiv_(expAvg * perElement, denom);
    }
  }
}

}  // namespace gantry::train
