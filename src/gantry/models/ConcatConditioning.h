#pragma once

#include "gantry/models/DiscriminatorWrapper.h"
#include "gantry/models/Generator.h"

#include <torch/nn/modules/embedding.h>

#include <memory>

namespace gantry::models {

/// Conditioning by concatenation, the conditional GAN of Mirza & Osindero
/// (2014, "Conditional Generative Adversarial Nets", arXiv:1411.1784): the
/// class y reaches both players as an extra input,
///
///   G(z | y) = G'([z, e_G(y)]),   D(x | y) = D'([flatten(x), e_D(y)]),
///
/// where e_G, e_D are learned embeddings (one row of width E per class;
/// the paper feeds a one-hot y through a first hidden layer, which a learned
/// embedding followed by G's first layer spans). G' and D' are unconditional
/// players of any family whose D reads a flat vector (the MLP's), built for
/// the wider input.
class ConcatConditionedGenerator : public Generator {
 public:
  /// `inner` maps latentDim + embedding inputs.
  ConcatConditionedGenerator(std::shared_ptr<Generator> inner, int64_t latentDim, int64_t classes, int64_t embedding);
  /// Labels [N] in [0, classes) are required.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t latentDim() const override { return latentDim_; }
  std::vector<int64_t> outputShape() const override { return inner_->outputShape(); }
  int64_t classes() const override { return classes_; }
  int64_t largestProduct(int64_t batch) const override { return inner_->largestProduct(batch); }
  int64_t largestConvolution(int64_t batch) const override { return inner_->largestConvolution(batch); }
  int64_t activationsPerSample() const override { return inner_->activationsPerSample(); }
  void setExecution(const Execution& execution) override;
  Generator& inner() { return *inner_; }

 private:
  std::shared_ptr<Generator> inner_;
  torch::nn::Embedding embedding_{nullptr};
  int64_t latentDim_, classes_;
};

class ConcatConditionedDiscriminator : public DiscriminatorWrapper {
 public:
  /// `inner` reads flat inputs of the sample's size + embedding.
  ConcatConditionedDiscriminator(std::shared_ptr<Discriminator> inner, int64_t classes, int64_t embedding);
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  /// The inner model's paired pass on the two widened batches.
  std::pair<DiscriminatorOutput, DiscriminatorOutput> forwardPair(const data::Batch& real,
                                                                  const data::Batch& fake) override;
  bool hasPairedPass() const override { return inner().hasPairedPass(); }

 private:
  std::vector<torch::Tensor*> ownSlots() override { return {&embedding_->weight}; }
  torch::Tensor widen(const data::Batch& batch);

  torch::nn::Embedding embedding_{nullptr};
};

}  // namespace gantry::models
