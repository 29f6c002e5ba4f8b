#pragma once

#include "gantry/core/Figures.h"

#include <torch/nn/module.h>

namespace gantry::models {

/// How a model may run its passes. The trainer decides it for its run and
/// hands it to its models (Model::setExecution); no model reads a
/// process-wide switch.
struct Execution {
  /// A core is free for a helper thread (OpenBLAS runs single-threaded):
  /// independent matrix products of a pass may run on it
  /// (gantry/core/Overlap.h), with the same results bit for bit.
  bool overlap = false;
  /// The update rule differentiates the passes twice (consensus, unrolled):
  /// every pass must record its backward's graph, so a model takes no path
  /// that is differentiable once only.
  bool twiceDifferentiable = false;
};

/// What generators and discriminators have in common. Derived classes are
/// LibTorch modules, so parameters, buffers, train/eval mode, devices and
/// serialization work as for any torch::nn::Module.
///
/// Members: a model may hold N independent models of one shape, their
/// parameters stacked along a leading dimension (population training,
/// gantry/models/StackedMlp.h: one batched product per layer for all of
/// them). Its inputs and outputs then hold the members' batches one after
/// the other: of N·B rows, rows [n·B, (n+1)·B) are member n's.
class Model : public torch::nn::Module {
 public:
  virtual void setExecution(const Execution& execution) { execution_ = execution; }
  const Execution& execution() const { return execution_; }
  /// Classes the model is conditioned on (0: unconditional).
  virtual int64_t classes() const { return 0; }
  /// Multiply-adds of its largest matrix product for a batch of `batch`
  /// (the trainer gives OpenBLAS more threads only for large products).
  virtual int64_t largestProduct(int64_t batch) const { return 0; }
  /// Multiply-adds of its largest convolution for a batch: LibTorch runs
  /// convolutions in oneDNN on its own intra-op threads, not in OpenBLAS, so
  /// they ask for those threads instead.
  virtual int64_t largestConvolution(int64_t batch) const { return 0; }
  /// At least how many floats its pass keeps per sample until the backward:
  /// one per output of each layer (all pieces of a maxout layer; two where
  /// batch norm keeps its input as well). The memory check multiplies it by
  /// the batch; 0 = not declared (the check then counts the widest layer).
  virtual int64_t activationsPerSample() const { return 0; }
  /// Figures of its own for the training log (the Dirac-GAN's θ and ψ).
  virtual void addFigures(Figures& figures) const {}
  /// N for a population's stacked model, else 1.
  virtual int64_t members() const { return 1; }

 protected:
  Execution execution_;
};

}  // namespace gantry::models
