#include "gantry/train/WeightAverage.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace gantry::train {

namespace {

/// Parameters then buffers, in registration order: the same order in two
/// generators of one shape.
std::vector<torch::Tensor> stateOf(const torch::nn::Module& module) {
  auto state = module.parameters();
  for (const auto& buffer : module.buffers()) state.push_back(buffer);
  return state;
}

}  // namespace

WeightAverage::WeightAverage(std::shared_ptr<models::Generator> average, const models::Generator& live, double decay)
    : average_(std::move(average)), decay_(decay) {
  if (!(decay > 0.0 && decay < 1.0)) throw std::invalid_argument("WeightAverage: decay must be in (0, 1)");
  auto target = stateOf(*average_);
  const auto source = stateOf(live);
  if (target.size() != source.size()) throw std::logic_error("WeightAverage: generators of different shapes");
  torch::NoGradGuard guard;
  for (size_t i = 0; i < target.size(); ++i) target[i].copy_(source[i]);
  // Sampling and evaluation only: no gradients, and batch norm's running
  // statistics rather than the batch's.
  for (auto& p : average_->parameters()) p.set_requires_grad(false);
  average_->eval();
}

double WeightAverage::decayAt(int64_t step) const {
  return std::min(decay_, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
}

void WeightAverage::update(const models::Generator& live, int64_t step) {
  const double beta = decayAt(step);
  auto target = stateOf(*average_);
  const auto source = stateOf(live);
  torch::NoGradGuard guard;
  for (size_t i = 0; i < target.size(); ++i) {
    if (torch::isFloatingType(target[i].scalar_type()))
      target[i].lerp_(source[i].to(target[i].dtype()), 1.0 - beta);  // θ̄ + (1 − β)(θ − θ̄)
    else
      target[i].copy_(source[i]);
  }
}

void WeightAverage::load(torch::serialize::InputArchive& archive) {
  const auto device = average_->parameters().front().device();
  average_->load(archive);
  average_->to(device);
}

}  // namespace gantry::train
