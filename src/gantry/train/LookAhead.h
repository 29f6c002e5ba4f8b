#pragma once

#include "gantry/train/OptimizerSpec.h"

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <vector>

namespace gantry::train {

/// An optimizer's step written with differentiable operations, from a
/// snapshot of its state: a look-ahead of a player's updates that keeps the
/// graph (the unrolled GAN differentiates G's loss through K of D's
/// updates) and leaves the real optimizer untouched. The formulas are
/// LibTorch 1.13's own (torch/csrc/api/src/optim/{sgd,adam,rmsprop}.cpp),
/// without weight decay:
///
///   sgd:      b ← μb + g (b = g at the first step);  p ← p − ηb  (μ = 0: p ← p − ηg)
///   adam:     t ← t + 1;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
///             p ← p − η/(1 − β₁ᵗ) · m / (√(v + 10⁻³⁰)/√(1 − β₂ᵗ) + ε)
///   rmsprop:  s ← αs + (1 − α)g²;  p ← p − η g / (√(s + 10⁻³⁰) + ε)
///
/// The 10⁻³⁰ inside the roots: √'s derivative is infinite at 0, where a
/// parameter has had no gradient yet; it changes no value a float32 step
/// can see.
class LookAheadOptimizer {
 public:
  /// The state and options `optimizer` has for `tensors` now (apply the
  /// schedule first).
  LookAheadOptimizer(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& tensors,
                     OptimizerSpec::Kind kind);
  /// One step; parameters and state carry the graph of `parameters` and
  /// `gradients`.
  std::vector<torch::Tensor> step(const std::vector<torch::Tensor>& parameters,
                                  const std::vector<torch::Tensor>& gradients);

 private:
  OptimizerSpec::Kind kind_;
  double lr_ = 0, momentum_ = 0, beta1_ = 0, beta2_ = 0, eps_ = 0, alpha_ = 0;
  int64_t step_ = 0;
  std::vector<torch::Tensor> first_, second_;  // sgd: momentum buffers; adam: m, v; rmsprop: s
};

/// Points a model's parameter slots (Discriminator::parameterSlots) at other
/// tensors for the object's lifetime, then back at its own parameters.
class ParameterSwap {
 public:
  ParameterSwap(std::vector<torch::Tensor*> slots, const std::vector<torch::Tensor>& values);
  ~ParameterSwap();
  ParameterSwap(const ParameterSwap&) = delete;
  ParameterSwap& operator=(const ParameterSwap&) = delete;

 private:
  std::vector<torch::Tensor*> slots_;
  std::vector<torch::Tensor> saved_;
};

}  // namespace gantry::train
