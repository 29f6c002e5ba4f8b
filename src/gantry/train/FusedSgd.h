#pragma once

#include <torch/optim/sgd.h>

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
};

}  // namespace gantry::train
