#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <utility>
#include <vector>

namespace gantry::models {

/// A generator G: latent codes z [N, latentDim] -> samples [N, outputShape...].
/// Derived classes are LibTorch modules, so parameters, buffers, train/eval
/// mode, devices and serialization work as for any torch::nn::Module.
class Generator : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& z) = 0;
  virtual int64_t latentDim() const = 0;
  /// Shape of one sample, e.g. {1, 28, 28} or {2}.
  virtual std::vector<int64_t> outputShape() const = 0;
};

/// A discriminator D: samples [N, ...] -> logits [N]. D(x) = sigmoid(logit)
/// is the probability that x is real; objectives work on the logits so that
/// log D and log(1 - D) are computed stably.
class Discriminator : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// D on a real and a generated batch: {forward(real), forward(fake)}, in
  /// that order. A model may override it to share work between the two
  /// passes, provided that the logits, the random draws (dropout) and the
  /// gradients stay exactly those of the two calls.
  virtual std::pair<torch::Tensor, torch::Tensor> forwardPair(const torch::Tensor& real, const torch::Tensor& fake) {
    auto realLogits = forward(real);
    return {realLogits, forward(fake)};
  }
};

}  // namespace gantry::models
