#include "gantry/train/LookAhead.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::train {

namespace {

constexpr double kRootFloor = 1e-30;

std::string keyOf(const torch::Tensor& t) { return c10::guts::to_string(t.unsafeGetTensorImpl()); }

}  // namespace

LookAheadOptimizer::LookAheadOptimizer(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& tensors,
                                       OptimizerSpec::Kind kind)
    : kind_(kind) {
  auto& options = optimizer.param_groups().front().options();
  auto& state = optimizer.state();
  auto stateOf = [&](const torch::Tensor& t) -> torch::optim::OptimizerParamState* {
    auto it = state.find(keyOf(t));
    return it == state.end() ? nullptr : it->second.get();
  };
  for (const auto& t : tensors) {
    auto* s = stateOf(t);
    if (kind_ == OptimizerSpec::Kind::Sgd) {
      auto& o = static_cast<torch::optim::SGDOptions&>(options);
      lr_ = o.lr();
      momentum_ = o.momentum();
      auto* sgd = static_cast<torch::optim::SGDParamState*>(s);
      first_.push_back(sgd && sgd->momentum_buffer().defined() ? sgd->momentum_buffer().detach().clone()
                                                               : torch::Tensor());
    } else if (kind_ == OptimizerSpec::Kind::Adam) {
      auto& o = static_cast<torch::optim::AdamOptions&>(options);
      lr_ = o.lr();
      beta1_ = std::get<0>(o.betas());
      beta2_ = std::get<1>(o.betas());
      eps_ = o.eps();
      auto* adam = static_cast<torch::optim::AdamParamState*>(s);
      step_ = adam ? adam->step() : 0;
      first_.push_back(adam ? adam->exp_avg().detach().clone() : torch::zeros_like(t));
      second_.push_back(adam ? adam->exp_avg_sq().detach().clone() : torch::zeros_like(t));
    } else {
      auto& o = static_cast<torch::optim::RMSpropOptions&>(options);
      lr_ = o.lr();
      alpha_ = o.alpha();
      eps_ = o.eps();
      auto* rms = static_cast<torch::optim::RMSpropParamState*>(s);
      first_.push_back(rms ? rms->square_avg().detach().clone() : torch::zeros_like(t));
    }
  }
}

std::vector<torch::Tensor> LookAheadOptimizer::step(const std::vector<torch::Tensor>& parameters,
                                                    const std::vector<torch::Tensor>& gradients) {
  std::vector<torch::Tensor> next;
  if (kind_ == OptimizerSpec::Kind::Adam) ++step_;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto& p = parameters[i];
    const auto& g = gradients[i];
    if (kind_ == OptimizerSpec::Kind::Sgd) {
      auto direction = g;
      if (momentum_ != 0.0) {
        first_[i] = first_[i].defined() ? momentum_ * first_[i] + g : g;
        direction = first_[i];
      }
      next.push_back(p - lr_ * direction);
    } else if (kind_ == OptimizerSpec::Kind::Adam) {
      const double bias1 = 1.0 - std::pow(beta1_, static_cast<double>(step_));
      const double bias2 = 1.0 - std::pow(beta2_, static_cast<double>(step_));
      first_[i] = beta1_ * first_[i] + (1.0 - beta1_) * g;
      second_[i] = beta2_ * second_[i] + (1.0 - beta2_) * g * g;
      auto denom = torch::sqrt(second_[i] + kRootFloor) / std::sqrt(bias2) + eps_;
      next.push_back(p - (lr_ / bias1) * first_[i] / denom);
    } else {
      first_[i] = alpha_ * first_[i] + (1.0 - alpha_) * g * g;
      next.push_back(p - lr_ * g / (torch::sqrt(first_[i] + kRootFloor) + eps_));
    }
  }
  return next;
}

ParameterSwap::ParameterSwap(std::vector<torch::Tensor*> slots, const std::vector<torch::Tensor>& values)
    : slots_(std::move(slots)) {
  TORCH_CHECK(slots_.size() == values.size(), "ParameterSwap: one value per parameter slot");
  for (size_t i = 0; i < slots_.size(); ++i) {
    saved_.push_back(*slots_[i]);
    *slots_[i] = values[i];
  }
}

ParameterSwap::~ParameterSwap() {
  for (size_t i = 0; i < slots_.size(); ++i) *slots_[i] = saved_[i];
}

}  // namespace gantry::train
