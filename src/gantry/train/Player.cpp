#include "gantry/train/Player.h"

#include "gantry/train/FusedSgd.h"
#include "gantry/train/MemberAdam.h"

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

void Player::stepAt(int64_t steps, int64_t completedEpochs) {
  const int64_t recordedSteps = scheduledSteps_, recordedEpochs = scheduledEpochs_;
  schedule(steps, completedEpochs);
  step();
  schedule(recordedSteps, recordedEpochs);
}

void Player::step() {
  if (parallel_) parallel_->averageGradients(tensors_);
  applySchedule();
  if (memberSpecs_.empty()) {
    optimizer_->step();
    return;
  }
  std::vector<double> rates;
  for (const auto& spec : memberSpecs_) rates.push_back(spec.learningRate(scheduledSteps_));
  if (spec_.kind == OptimizerSpec::Kind::Adam) {
    memberAdamStep(static_cast<torch::optim::Adam&>(*optimizer_), memberOfElements(), rates);
    return;
  }
  if (spec_.kind == OptimizerSpec::Kind::Sgd && static_cast<FusedSgd&>(*optimizer_).memberStep(memberBlocks(), rates))
    return;
  const auto before = values();
  optimizer_->step();
  scaleMemberSteps(before, rates);
}

const std::vector<torch::Tensor>& Player::memberOfElements() {
  if (!memberOf_.empty()) return memberOf_;
  const auto members = static_cast<int64_t>(memberSpecs_.size());
  std::vector<torch::Tensor> perParameter;  // in parameters() order, each as its parameter
  for (const auto& p : stackedParameters()) {
    std::vector<int64_t> shape(static_cast<size_t>(p.dim()), 1);
    shape[0] = members;
    perParameter.push_back(
        torch::arange(members, torch::kLong).view(shape).expand(p.sizes()).contiguous().to(p.device()));
  }
  if (!flat_) return memberOf_ = perParameter;
  std::vector<torch::Tensor> pieces;
  for (const auto& t : perParameter) pieces.push_back(t.reshape(-1));
  memberOf_ = {torch::cat(pieces).to(tensors_.front().device())};
  return memberOf_;
}

std::vector<torch::Tensor> Player::stackedParameters() const {
  const auto members = static_cast<int64_t>(memberSpecs_.size());
  auto parameters = module_.parameters();
  for (const auto& p : parameters)
    TORCH_CHECK(p.dim() > 0 && p.size(0) == members, "a member's rate needs stacked parameters");
  return parameters;
}

std::vector<std::vector<int64_t>> Player::memberBlocks() const {
  // A stacked parameter's leading dimension is the members': member n's
  // elements are its n-th slice, consecutive in memory.
  const auto members = static_cast<int64_t>(memberSpecs_.size());
  std::vector<std::vector<int64_t>> blocks;
  for (const auto& p : stackedParameters()) {
    if (!flat_ || blocks.empty()) blocks.emplace_back();
    blocks.back().insert(blocks.back().end(), static_cast<size_t>(members), p.numel() / members);
  }
  return blocks;
}

void Player::scaleMemberSteps(const std::vector<torch::Tensor>& before, const std::vector<double>& rates) {
  torch::NoGradGuard guard;
  // Each member's scheduled rate over the player's: schedules with a floor
  // (lr_min) do not keep the ratio of the base rates.
  const double rate = scheduledLearningRate();
  if (rate == 0) return;  // the largest rate is 0: nobody moved
  std::vector<double> factors;
  for (double memberRate : rates) factors.push_back(memberRate / rate);
  const auto& memberOf = memberOfElements();
  for (size_t i = 0; i < tensors_.size(); ++i) {
    auto& now = tensors_[i];
    const auto perMember = torch::tensor(factors, now.options());
    const auto f = perMember.index_select(0, memberOf[i].reshape(-1)).view_as(now);
    // Members at the player's rate keep the optimizer's values as they are:
    // p0 + 1·(p - p0) need not round back to p.
    now.copy_(torch::where(f == 1, now, before[i] + f * (now - before[i])));
  }
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
