#pragma once

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace gantry::models {

struct CnnClassifierOptions {
  /// Channels, height and width of the images, and the number of classes.
  CnnClassifierOptions(int64_t inputChannels, int64_t imageSize, int64_t classes)
      : input_channels_(inputChannels), image_size_(imageSize), classes_(classes) {}
  TORCH_ARG(int64_t, input_channels);
  TORCH_ARG(int64_t, image_size);
  TORCH_ARG(int64_t, classes);
  TORCH_ARG(int64_t, conv1_channels) = 32;
  TORCH_ARG(int64_t, conv2_channels) = 64;
  /// Width of the penultimate layer: the features FD, KID and PRDC compare.
  TORCH_ARG(int64_t, feature_dim) = 128;
  /// Dropout between the features and the logits, while training only.
  TORCH_ARG(double, dropout) = 0.5;
};

/// The small CNN whose features and class probabilities the image metrics
/// use (the analogue of Inception-v3 for 28×28 data):
///   conv 5×5 (32) → ReLU → max-pool 2 → conv 5×5 (64) → ReLU → max-pool 2
///   → linear (128) → ReLU = features → dropout → linear (classes) = logits.
/// "Same" padding keeps 28 → 14 → 7. On MNIST and Fashion-MNIST it reaches
/// the accuracies in docs/evaluation.md within a few epochs on a CPU.
class CnnClassifierImpl : public torch::nn::Cloneable<CnnClassifierImpl> {
 public:
  explicit CnnClassifierImpl(CnnClassifierOptions options);
  void reset() override;

  /// Logits [N, classes] of images [N, C, H, W] with pixels in [0, 1].
  torch::Tensor forward(const torch::Tensor& images);
  /// The penultimate layer [N, feature_dim] (after its ReLU).
  torch::Tensor features(const torch::Tensor& images);
  /// Logits of given features (the last layer alone).
  torch::Tensor logitsOf(const torch::Tensor& features);

  const CnnClassifierOptions& options() const { return options_; }

 private:
  CnnClassifierOptions options_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear hidden_{nullptr}, output_{nullptr};
};
TORCH_MODULE(CnnClassifier);

}  // namespace gantry::models
