#pragma once

#include "gantry/core/Section.h"

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

namespace gantry::train {

/// One player's optimizer and its schedule.
///
/// Learning rate after n training steps: max(lr / lr_decay^n, lr_min) when
/// lr_decay > 1 (the 2014 code: divide by 1.000004 after every update, floor
/// 1e-6; its k = 1, so a step is an update), else lr. The trainer counts
/// steps, not each player's own updates, so that with k discriminator updates
/// per step both players' rates follow the same clock. SGD momentum ramps linearly from `momentum` at epoch
/// `momentum_start` to `momentum_final` at epoch `momentum_end`, counting
/// completed epochs (pylearn2's MomentumAdjustor; the paper: 0.5 -> 0.7
/// between epochs 1 and 250).
struct OptimizerSpec {
  enum class Kind { Sgd, Adam, RmsProp };
  Kind kind = Kind::Adam;
  double lr = 2e-4;
  double lr_decay = 1.0;
  double lr_min = 0.0;
  double momentum = 0.0;
  double momentum_final = 0.0;
  int64_t momentum_start = 0;
  int64_t momentum_end = 0;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double rmsprop_alpha = 0.99;  // smoothing of the squared-gradient average

  static Kind parseKind(const std::string& name);  // "sgd" | "adam" | "rmsprop"
  static const std::vector<std::string>& kindNames();
  double learningRate(int64_t steps) const;
  double momentumAt(int64_t completedEpochs) const;

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<torch::Tensor>& parameters) const;
  /// Sets the optimizer's learning rate (and momentum, for SGD) for the next update.
  void apply(torch::optim::Optimizer& optimizer, int64_t steps, int64_t completedEpochs) const;
};

/// The [optimizer] section: both players' optimizers and schedules.
struct OptimizerSettings {
  std::string optimizer = "adam";
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double lr_decay = 1.0;
  double lr_min = 0.0;
  double momentum = 0.5;
  double momentum_final = 0.5;
  int64_t momentum_start = 0;
  int64_t momentum_end = 0;
  double adam_beta1 = 0.5;
  double adam_beta2 = 0.999;
  double rmsprop_alpha = 0.99;
};
const Section<OptimizerSettings>& optimizerSection();

/// A learning-rate key's range: 0 to the largest float32, as the optimizers
/// apply their rates to float32 tensors (a larger one overflowed there).
Range learningRateRange();

/// Each player's spec from the settings: {generator's, discriminator's}.
std::pair<OptimizerSpec, OptimizerSpec> optimizerSpecs(const OptimizerSettings& settings);

}  // namespace gantry::train
