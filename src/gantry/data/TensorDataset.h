#pragma once

#include <torch/data/datasets/base.h>
#include <torch/data/example.h>
#include <torch/types.h>

#include <vector>

namespace gantry::data {

/// An in-memory dataset: every sample of one tensor [N, ...] with optional
/// integer labels [N]. All datasets gantry reads (MNIST, Fashion-MNIST, image
/// folders) fit in memory, and holding them as one tensor lets the trainer
/// draw a minibatch with a single index_select instead of N copies.
class TensorDataset : public torch::data::datasets::Dataset<TensorDataset> {
 public:
  TensorDataset() = default;
  /// samples: float tensor [N, ...]; labels: int64 [N] or undefined.
  explicit TensorDataset(torch::Tensor samples, torch::Tensor labels = {});

  torch::data::Example<> get(size_t index) override;
  torch::optional<size_t> size() const override;

  const torch::Tensor& samples() const { return samples_; }
  const torch::Tensor& labels() const { return labels_; }
  /// Shape of one sample, e.g. {1, 28, 28}.
  std::vector<int64_t> sampleShape() const;
  int64_t length() const { return samples_.defined() ? samples_.size(0) : 0; }

 private:
  torch::Tensor samples_;
  torch::Tensor labels_;
};

}  // namespace gantry::data
