#pragma once

#include "gantry/train/DataParallel.h"
#include "gantry/train/FlatParameters.h"
#include "gantry/train/OptimizerSpec.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>

#include <memory>
#include <vector>

namespace gantry::train {

/// One player as the trainer trains it: its module, the tensors its
/// optimizer steps, the optimizer and its schedule.
///
/// A small module's parameters live in one flat tensor (FlatParameters): its
/// optimizer then updates all of them in a handful of operations, and the
/// module's parameters are views of that tensor. tensors() is what the
/// optimizer steps (the flat tensor, or the module's parameters);
/// parameters() is what autograd differentiates (the module's).
class Player {
 public:
  /// The module must be on its device already. With `parallel`, each
  /// step() first averages the gradients over the ranks.
  Player(torch::nn::Module& module, OptimizerSpec spec, DataParallel* parallel = nullptr);

  torch::nn::Module& module() { return module_; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  const OptimizerSpec& spec() const { return spec_; }
  const std::vector<torch::Tensor>& tensors() const { return tensors_; }
  std::vector<torch::Tensor> parameters() const { return module_.parameters(); }
  bool flat() const { return static_cast<bool>(flat_); }

  /// Tensors shaped as tensors(), seen as the module's parameters (the flat
  /// tensor's slices in parameters() order, or the tensors themselves).
  std::vector<torch::Tensor> moduleViews(const std::vector<torch::Tensor>& tensors) const;

  /// Before a backward pass. Flat: zeroes the flat gradient, whose views
  /// autograd adds into. Otherwise: undefined gradients, so that autograd
  /// hands over the buffers it computed instead of adding them into zeroed
  /// ones (a pass over every gradient less).
  void clearGradients();
  /// Sets the module's gradients (one per parameter) for the next step.
  void setGradients(const std::vector<torch::Tensor>& gradients);

  /// The schedule point of the next update: its learning rate and momentum
  /// follow the steps taken and the epochs completed at this moment
  /// (OptimizerSpec).
  void schedule(int64_t steps, int64_t completedEpochs);
  /// The scheduled rate and momentum applied to the optimizer (step() does
  /// it too; a rule that takes an update of its own reads them after this).
  void applySchedule();
  double scheduledLearningRate() const { return spec_.learningRate(scheduledSteps_); }
  /// One optimizer step with the scheduled rate and momentum (with data
  /// parallelism, on the gradients averaged over the ranks).
  void step();
  /// One step at another schedule point (a deferred update's own), after
  /// which the recorded point is again the one recorded before: the update
  /// it runs beside keeps its own.
  void stepAt(int64_t steps, int64_t completedEpochs);

  /// A population's members' specs (one per member; empty: none), whose
  /// learning rates differ (a sweep, gantry/train/Sweep.h). Every
  /// parameter's leading dimension must be the members' (a stacked model's).
  /// Adam steps each element at its member's rate (memberAdamStep), and so
  /// does SGD where its one-pass update applies (FusedSgd::memberStep:
  /// float32 on a CPU with FMA): member n is the run at lr_n bit for bit.
  /// RMSprop, and SGD elsewhere, take the optimizer's update at the
  /// player's rate, which must be the largest, and scale member n's part of
  /// it by lr_n / lr: p <- p0 + (lr_n / lr)(p - p0). That is exact in
  /// arithmetic (their updates are linear in the rate and their state does
  /// not depend on it); in floating point, member n agrees with a run at
  /// lr_n to rounding.
  void setMemberOptimizers(std::vector<OptimizerSpec> specs) { memberSpecs_ = std::move(specs); }

  /// Copies of tensors(), and back (no graph).
  std::vector<torch::Tensor> values() const;
  void setValues(const std::vector<torch::Tensor>& values);

  void save(torch::serialize::OutputArchive& archive) const { optimizer_->save(archive); }
  /// After the module's parameters were loaded: puts them back into the
  /// flat tensor, then restores the optimizer.
  void load(torch::serialize::InputArchive& archive);

 private:
  torch::nn::Module& module_;
  OptimizerSpec spec_;
  std::unique_ptr<FlatParameters> flat_;
  std::vector<torch::Tensor> tensors_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  void scaleMemberSteps(const std::vector<torch::Tensor>& before, const std::vector<double>& rates);
  /// For each of tensors(), each element's member (built on first use).
  const std::vector<torch::Tensor>& memberOfElements();
  /// For each of tensors(), its consecutive runs of one member's elements
  /// (FusedSgd::memberStep's blocks).
  std::vector<std::vector<int64_t>> memberBlocks() const;
  /// module's parameters, each checked to be stacked over the members
  /// (leading dimension).
  std::vector<torch::Tensor> stackedParameters() const;

  DataParallel* parallel_ = nullptr;
  std::vector<OptimizerSpec> memberSpecs_;
  std::vector<torch::Tensor> memberOf_;
  int64_t scheduledSteps_ = 0;
  int64_t scheduledEpochs_ = 0;
};

}  // namespace gantry::train
