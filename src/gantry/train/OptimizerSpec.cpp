#include "gantry/train/OptimizerSpec.h"

#include "gantry/train/FusedSgd.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace gantry::train {

namespace {

const std::pair<const char*, OptimizerSpec::Kind> kKinds[] = {
    {"sgd", OptimizerSpec::Kind::Sgd}, {"adam", OptimizerSpec::Kind::Adam}, {"rmsprop", OptimizerSpec::Kind::RmsProp}};

}  // namespace

OptimizerSpec::Kind OptimizerSpec::parseKind(const std::string& name) {
  for (const auto& [kindName, kind] : kKinds)
    if (name == kindName) return kind;
  throw std::invalid_argument("unknown optimizer '" + name + "'");
}

const std::vector<std::string>& OptimizerSpec::kindNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : kKinds) all.push_back(entry.first);
    return all;
  }();
  return names;
}

const Section<OptimizerSettings>& optimizerSection() {
  using S = OptimizerSettings;
  static const auto section =
      Section<S>("optimizer")
          .text("optimizer", &S::optimizer, "optimizer of both players (rmsprop: as in the WGAN paper)",
                OptimizerSpec::kindNames())
          // The rates are set from these keys and the step count before every
          // update (OptimizerSpec::apply), never read back from a checkpoint,
          // so a resume may change them: the schedule goes on from the new
          // values at the step reached (a drop of the rate late in training).
          .number("lr_g", &S::lr_g, "generator learning rate", learningRateRange())
          .resumable()
          .number("lr_d", &S::lr_d, "discriminator learning rate", learningRateRange())
          .resumable()
          .number("lr_decay", &S::lr_decay, "divide the learning rates by this after every step (1 = constant)",
                  Range::atLeast(1))
          .resumable()
          .number("lr_min", &S::lr_min, "floor of the decayed learning rates", learningRateRange())
          .resumable()
          .number("momentum", &S::momentum, "sgd: momentum (at epoch momentum_start)", Range::rightOpen(0, 1))
          .number("momentum_final", &S::momentum_final, "sgd: momentum reached at epoch momentum_end",
                  Range::rightOpen(0, 1))
          .integer("momentum_start", &S::momentum_start, "sgd: epoch the momentum ramp starts", Range::atLeast(0))
          .integer("momentum_end", &S::momentum_end, "sgd: epoch the ramp ends (<= start: no ramp)", Range::atLeast(0))
          .number("adam_beta1", &S::adam_beta1, "adam: beta1", Range::rightOpen(0, 1))
          .number("adam_beta2", &S::adam_beta2, "adam: beta2", Range::rightOpen(0, 1))
          .number("rmsprop_alpha", &S::rmsprop_alpha, "rmsprop: smoothing constant of the squared-gradient average",
                  Range::closed(0, 1));
  return section;
}

Range learningRateRange() { return Range::closed(0, std::numeric_limits<float>::max()); }

std::pair<OptimizerSpec, OptimizerSpec> optimizerSpecs(const OptimizerSettings& s) {
  OptimizerSpec spec;
  spec.kind = OptimizerSpec::parseKind(s.optimizer);
  spec.lr_decay = s.lr_decay;
  spec.lr_min = s.lr_min;
  spec.momentum = s.momentum;
  spec.momentum_final = s.momentum_final;
  spec.momentum_start = s.momentum_start;
  spec.momentum_end = s.momentum_end;
  spec.beta1 = s.adam_beta1;
  spec.beta2 = s.adam_beta2;
  spec.rmsprop_alpha = s.rmsprop_alpha;
  auto g = spec, d = spec;
  g.lr = s.lr_g;
  d.lr = s.lr_d;
  return {g, d};
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
