#include "gantry/train/OptimizerSpec.h"

#include "gantry/train/FusedSgd.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gantry::train {

OptimizerSpec::Kind OptimizerSpec::parseKind(const std::string& name) {
  if (name == "sgd") return Kind::Sgd;
  if (name == "adam") return Kind::Adam;
  if (name == "rmsprop") return Kind::RmsProp;
  throw std::invalid_argument("unknown optimizer '" + name + "'");
}

double OptimizerSpec::learningRate(int64_t steps) const {
  if (lr_decay <= 1.0) return lr;
  return std::max(lr * std::pow(lr_decay, -static_cast<double>(steps)), lr_min);
}

double OptimizerSpec::momentumAt(int64_t completedEpochs) const {
  if (momentum_end <= momentum_start) return momentum;  // no ramp
  double alpha =
      static_cast<double>(completedEpochs - momentum_start) / static_cast<double>(momentum_end - momentum_start);
  alpha = std::clamp(alpha, 0.0, 1.0);
  return momentum * (1.0 - alpha) + momentum_final * alpha;
}

std::unique_ptr<torch::optim::Optimizer> OptimizerSpec::make(const std::vector<torch::Tensor>& parameters) const {
  if (kind == Kind::Sgd) return std::make_unique<FusedSgd>(parameters, torch::optim::SGDOptions(lr).momentum(momentum));
  if (kind == Kind::RmsProp)
    return std::make_unique<torch::optim::RMSprop>(parameters, torch::optim::RMSpropOptions(lr).alpha(rmsprop_alpha));
  return std::make_unique<torch::optim::Adam>(parameters,
                                              torch::optim::AdamOptions(lr).betas(std::make_tuple(beta1, beta2)));
}

void OptimizerSpec::apply(torch::optim::Optimizer& optimizer, int64_t steps, int64_t completedEpochs) const {
  double rate = learningRate(steps);
  for (auto& group : optimizer.param_groups()) {
    if (kind == Kind::Sgd) {
      auto& options = static_cast<torch::optim::SGDOptions&>(group.options());
      options.lr(rate).momentum(momentumAt(completedEpochs));
    } else if (kind == Kind::RmsProp) {
      static_cast<torch::optim::RMSpropOptions&>(group.options()).lr(rate);
    } else {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(rate);
    }
  }
}

}  // namespace gantry::train
