#pragma once

#include <torch/optim/sgd.h>

#include <vector>

namespace gantry::train {

/// torch::optim::SGD whose momentum update is one pass over each parameter,
/// its gradient and its momentum buffer, instead of LibTorch's three
/// (buf.mul_(μ), buf.add_(g), p.add_(buf, -lr)): each value rounded as those
/// three ATen kernels round it (μ·buf, then + g, then one fused multiply-add
/// for p), so parameters and buffers are bit for bit LibTorch's. Same state
/// and checkpoints as torch::optim::SGD. Float32 CPU parameters without
/// weight decay, dampening or Nesterov take the one-pass path on CPUs with
/// FMA; anything else is LibTorch's step.
///
/// Why: for the 2014 MNIST networks (3.7 M parameters) the update reads and
/// writes ~120 MB per step in three passes, ~3 ms of a ~30 ms step.
class FusedSgd : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;
  torch::Tensor step(LossClosure closure = nullptr) override;

  /// One step in which each element moves at its member's learning rate (a
  /// population's sweep, gantry/train/Sweep.h), ignoring the options' lr:
  /// `blocks[i]` cuts the i-th parameter (in the groups' order) into
  /// consecutive runs of elements, and run b belongs to member b mod
  /// rates.size(). Each element is rounded as a step of this optimizer at
  /// its member's rate rounds it, so member n's parameters and buffers are
  /// those of a run at rates[n] bit for bit. Returns false, having changed
  /// nothing, where the one-pass path does not apply.
  bool memberStep(const std::vector<std::vector<int64_t>>& blocks, const std::vector<double>& rates);

 private:
  struct Run {
    int64_t length;
    float negativeLr;  // ATen's alpha, -1 * lr cast to float
  };
  /// Whether every parameter, gradient and buffer takes the one-pass path.
  bool fusableNow();
  /// The one-pass update of p, its runs of elements at their rates.
  void stepParameter(torch::Tensor& p, double momentum, const std::vector<Run>& runs);
};

}  // namespace gantry::train
