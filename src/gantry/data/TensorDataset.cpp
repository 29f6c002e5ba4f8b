#include "gantry/data/TensorDataset.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace gantry::data {

TensorDataset::TensorDataset(torch::Tensor samples, torch::Tensor labels)
    : samples_(std::move(samples)), labels_(std::move(labels)) {
  // Shape mismatches here are programming errors (loaders build both tensors), not user errors.
  if (!samples_.defined() || samples_.dim() < 1) {
    throw std::invalid_argument("TensorDataset: samples must be a tensor [N, ...]");
  }
  if (labels_.defined() && (labels_.dim() != 1 || labels_.size(0) != samples_.size(0))) {
    throw std::invalid_argument("TensorDataset: labels must be [N] with N = " + std::to_string(samples_.size(0)) +
                                " (the number of samples)");
  }
}

torch::data::Example<> TensorDataset::get(size_t index) {
  if (index >= static_cast<size_t>(length())) {
    throw std::out_of_range("TensorDataset: index " + std::to_string(index) + " out of range for " +
                            std::to_string(length()) + " samples");
  }
  const auto i = static_cast<int64_t>(index);
  return {samples_[i], labels_.defined() ? labels_[i] : torch::Tensor()};
}

torch::optional<size_t> TensorDataset::size() const { return static_cast<size_t>(length()); }

std::vector<int64_t> TensorDataset::sampleShape() const {
  if (!samples_.defined()) return {};
  return samples_.sizes().slice(1).vec();
}

}  // namespace gantry::data
