#include "gantry/train/Player.h"

#include <torch/torch.h>

namespace gantry::train {

Player::Player(torch::nn::Module& module, OptimizerSpec spec, DataParallel* parallel)
    : module_(module), spec_(std::move(spec)), parallel_(parallel) {
  if (FlatParameters::pays(module_)) flat_ = std::make_unique<FlatParameters>(module_);
  tensors_ = flat_ ? std::vector<torch::Tensor>{flat_->values()} : module_.parameters();
  optimizer_ = spec_.make(tensors_);
}

std::vector<torch::Tensor> Player::moduleViews(const std::vector<torch::Tensor>& tensors) const {
  if (!flat_) return tensors;
  std::vector<torch::Tensor> views;
  int64_t offset = 0;
  for (const auto& p : module_.parameters()) {
    views.push_back(tensors.front().narrow(0, offset, p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  return views;
}

void Player::clearGradients() {
  if (flat_) {
    optimizer_->zero_grad();  // the flat gradient, whose views autograd adds into
    return;
  }
  for (auto& p : module_.parameters()) p.mutable_grad() = torch::Tensor();
}

void Player::setGradients(const std::vector<torch::Tensor>& gradients) {
  torch::NoGradGuard guard;
  auto parameters = module_.parameters();
  TORCH_CHECK(gradients.size() == parameters.size(), "setGradients: one gradient per parameter");
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (flat_)
      parameters[i].mutable_grad().copy_(gradients[i]);
    else
      parameters[i].mutable_grad() = gradients[i].detach();
  }
}

void Player::schedule(int64_t steps, int64_t completedEpochs) {
  scheduledSteps_ = steps;
  scheduledEpochs_ = completedEpochs;
}

void Player::applySchedule() { spec_.apply(*optimizer_, scheduledSteps_, scheduledEpochs_); }

void Player::step() {
  if (parallel_) parallel_->averageGradients(tensors_);
  applySchedule();
  optimizer_->step();
}

std::vector<torch::Tensor> Player::values() const {
  std::vector<torch::Tensor> copies;
  for (const auto& t : tensors_) copies.push_back(t.detach().clone());
  return copies;
}

void Player::setValues(const std::vector<torch::Tensor>& values) {
  torch::NoGradGuard guard;
  for (size_t i = 0; i < tensors_.size(); ++i) tensors_[i].copy_(values[i]);
}

void Player::load(torch::serialize::InputArchive& archive) {
  // Loading replaced the module's parameter storage: put the values back
  // into the flat tensor the optimizer holds, then restore the optimizer.
  if (flat_) flat_->rebind();
  optimizer_->load(archive);
}

}  // namespace gantry::train
