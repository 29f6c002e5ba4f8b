#pragma once

#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/Mlp.h"

#include <memory>
#include <vector>

namespace gantry::models {

/// Population training's MLP players (gantry/models/Model.h): N fully
/// connected networks of one shape, each with its own weights, stacked
/// along a leading dimension; each layer is one batched product for all of
/// them (stackedLinear). Inputs and outputs hold the members' batches one
/// after the other: of N·B rows, rows [n·B, (n+1)·B) are member n's, so the
/// objectives, penalties and the trainer's draws see one batch of N·B rows.
///
/// Built from members made one by one (each initialised as a run with its
/// own seed initialises it), and member(n) gives one back as a model of its
/// own. A population trains N runs, not an approximation of them: each
/// member's outputs and gradients are bit for bit those of its own network
/// where every product has at least 400 multiply-adds per member
/// (stackedLinear) and the activations are ReLU, leaky ReLU or identity.
/// tanh and sigmoid agree to rounding: ATen computes them with vector code
/// for most elements and scalar code for the last few of a tensor, and which
/// elements are last differs between a member alone and the stack.
///
/// Plain layers only: Linear with a pointwise activation. Batch norm, maxout,
/// dropout and batch features are refused by the family (UserError).
class StackedMlpGenerator : public Generator {
 public:
  /// At least one member; all with the same options.
  explicit StackedMlpGenerator(const std::vector<std::shared_ptr<MlpGenerator>>& members);
  /// z [N·B, latent dim] -> [N·B, output shape...].
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t latentDim() const override { return options_.latent_dim(); }
  std::vector<int64_t> outputShape() const override { return options_.output_shape(); }
  int64_t members() const override { return members_; }
  std::shared_ptr<Generator> member(int64_t n) const override;
  /// A member's at `batch` rows: each member's product is one BLAS call.
  int64_t largestProduct(int64_t batch) const override;
  int64_t activationsPerSample() const override;

 private:
  MlpGeneratorOptions options_;
  int64_t members_;
  // Member 0 as it was built, not registered: what a member's size
  // questions (largestProduct...) and member() ask; its weights are not the
  // trained ones.
  std::shared_ptr<const MlpGenerator> shape_;
  std::vector<torch::Tensor> weights_, biases_;  // per layer: [N, out, in], [N, 1, out]
};

class StackedMlpDiscriminator : public Discriminator {
 public:
  explicit StackedMlpDiscriminator(const std::vector<std::shared_ptr<MlpDiscriminator>>& members);
  /// x [N·B, ...] -> logits [N·B], features [N·B, last hidden width].
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  int64_t members() const override { return members_; }
  /// Member n as a discriminator of its own (a copy of its weights).
  std::shared_ptr<MlpDiscriminator> member(int64_t n) const;
  int64_t largestProduct(int64_t batch) const override;
  int64_t activationsPerSample() const override;
  int64_t featureWidth() const override;

 private:
  MlpDiscriminatorOptions options_;
  int64_t members_;
  // Member 0 as it was built, not registered: what a member's size
  // questions (largestProduct...) and member() ask; its weights are not the
  // trained ones.
  std::shared_ptr<const MlpDiscriminator> shape_;
  std::vector<torch::Tensor> weights_, biases_;
};

}  // namespace gantry::models
