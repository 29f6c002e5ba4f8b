#pragma once

#include "gantry/models/Activation.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/Maxout.h"
#include "gantry/models/Stabilisers.h"

#include <torch/arg.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace gantry::models {

struct MlpGeneratorOptions {
  MlpGeneratorOptions(int64_t latentDim, std::vector<int64_t> outputShape)
      : latent_dim_(latentDim), output_shape_(std::move(outputShape)) {}
  TORCH_ARG(int64_t, latent_dim);
  TORCH_ARG(std::vector<int64_t>, output_shape);
  /// Widths of the hidden layers, e.g. {1200, 1200}.
  TORCH_ARG(std::vector<int64_t>, hidden) = {128, 128};
  TORCH_ARG(Activation, activation) = Activation::ReLU;
  /// Applied to the output: sigmoid for pixels in [0, 1], identity for toy data.
  TORCH_ARG(Activation, output_activation) = Activation::Identity;
  /// > 0: weights uniform in [-init_range, init_range] and zero biases (the
  /// 2014 code); 0: LibTorch's default (Kaiming-uniform) initialisation.
  TORCH_ARG(double, init_range) = 0.0;
  /// > 0: orthogonal weights times this gain and zero biases (the unrolled
  /// GAN's reference code: 1.4); 0: as init_range says.
  TORCH_ARG(double, orthogonal_gain) = 0.0;
  /// > 0: weights N(0, init_std²) and zero biases (DCGAN's and PacGAN's
  /// 0.02); 0: as the keys above say.
  TORCH_ARG(double, init_std) = 0.0;
  TORCH_ARG(int64_t, maxout_pieces) = 5;
  /// Batch norm after each hidden layer's product, before its activation
  /// (the layer then has no bias, which batch norm would cancel); not with
  /// maxout layers.
  TORCH_ARG(bool, batch_norm) = false;
};

/// Fully connected generator: z -> [Linear -> (batch norm) -> activation] x
/// len(hidden) -> Linear -> output activation -> reshape to output_shape.
class MlpGenerator : public Generator {
 public:
  explicit MlpGenerator(MlpGeneratorOptions options);
  /// Unconditional: the labels are not read.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t latentDim() const override { return options_.latent_dim(); }
  std::vector<int64_t> outputShape() const override { return options_.output_shape(); }
  int64_t largestProduct(int64_t batch) const override;
  int64_t activationsPerSample() const override;
  /// Sets the output layer's bias, e.g. to the logit of the mean pixel value
  /// so that a sigmoid output starts at the data's marginals (2014 code).
  void setOutputBias(const torch::Tensor& bias);
  const MlpGeneratorOptions& options() const { return options_; }

 private:
  MlpGeneratorOptions options_;
  torch::nn::ModuleList hidden_;
  torch::nn::Linear output_{nullptr};
  torch::nn::ModuleList norms_{nullptr};  // batch_norm: one per hidden layer
};

struct MlpDiscriminatorOptions {
  explicit MlpDiscriminatorOptions(std::vector<int64_t> inputShape) : input_shape_(std::move(inputShape)) {}
  TORCH_ARG(std::vector<int64_t>, input_shape);
  /// Hidden units per layer (for maxout: units, each of maxout_pieces pieces).
  TORCH_ARG(std::vector<int64_t>, hidden) = {128, 128};
  TORCH_ARG(Activation, activation) = Activation::LeakyReLU;
  TORCH_ARG(int64_t, maxout_pieces) = 5;
  /// Dropout as keep probabilities (the 2014 paper's convention): inputs of
  /// the first layer kept with input_keep, inputs of later layers with
  /// hidden_keep; kept values are scaled by 1/keep. 1 disables dropout.
  TORCH_ARG(double, input_keep) = 1.0;
  TORCH_ARG(double, hidden_keep) = 1.0;
  TORCH_ARG(double, init_range) = 0.0;
  TORCH_ARG(double, orthogonal_gain) = 0.0;
  TORCH_ARG(double, init_std) = 0.0;
  /// Batch features appended before the last layer (minibatch
  /// discrimination, minibatch std): gantry/models/Stabilisers.h.
  TORCH_ARG(StabiliserSettings, stabilisers);
};

/// Fully connected discriminator returning one logit per sample:
/// x -> flatten -> [dropout -> (Linear -> activation | Maxout)] x len(hidden)
/// -> dropout -> [batch features] -> Linear(., 1). Its features are the
/// last hidden layer's output (before the last dropout); batch features
/// read them and are appended after the dropout.
class MlpDiscriminator : public Discriminator {
 public:
  explicit MlpDiscriminator(MlpDiscriminatorOptions options);
  /// Unconditional: the labels are not read.
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  /// Both batches layer by layer, each Linear as one pairedLinear (or, with
  /// overlap and a pointwise activation, the whole chain as one pairedMlp,
  /// which is differentiable once only: not taken when the execution asks
  /// for twice-differentiable passes): same logits, dropout masks and
  /// gradients as forward(real), forward(fake).
  std::pair<DiscriminatorOutput, DiscriminatorOutput> forwardPair(const data::Batch& real,
                                                                  const data::Batch& fake) override;
  /// Not with batch features, which read each batch as a whole.
  bool hasPairedPass() const override { return !batchFeatures_; }
  bool judgesSamplesAlone() const override { return !batchFeatures_; }
  std::vector<torch::Tensor*> parameterSlots() override;
  int64_t largestProduct(int64_t batch) const override;
  int64_t activationsPerSample() const override;
  int64_t featureWidth() const override;
  const MlpDiscriminatorOptions& options() const { return options_; }

 private:
  /// The dropout multipliers (mask / keep) forward() draws for a batch of n,
  /// in its order: one per layer input, undefined where keep is 1.
  std::vector<torch::Tensor> dropoutNoise(int64_t n, const torch::TensorOptions& options) const;

  MlpDiscriminatorOptions options_;
  torch::nn::ModuleList hidden_;
  torch::nn::Linear output_{nullptr};
  std::shared_ptr<BatchFeatures> batchFeatures_;
};

}  // namespace gantry::models
