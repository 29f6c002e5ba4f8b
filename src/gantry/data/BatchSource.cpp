#include "gantry/data/BatchSource.h"

#include "gantry/core/Error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::data {

MixtureBatchSource::MixtureBatchSource(std::shared_ptr<const GaussianMixture> distribution, int64_t batchSize,
                                       torch::Device device)
    : BatchSource(batchSize, device), distribution_(std::move(distribution)) {}

torch::Tensor MixtureBatchSource::next() {
  ++position_;
  return distribution_->sample(batchSize_).to(device_);
}

ShuffledBatchSource::ShuffledBatchSource(std::shared_ptr<const TensorDataset> dataset, int64_t batchSize, uint64_t seed,
                                         torch::Device device)
    : BatchSource(batchSize, device), dataset_(std::move(dataset)), seed_(seed) {
  if (dataset_->length() < batchSize)
    throw UserError(fmt::format("the dataset has {} samples, fewer than batch_size = {}; lower batch_size",
                                dataset_->length(), batchSize));
  samples_ = dataset_->samples().to(device_, torch::kFloat32).contiguous();
  batchesPerEpoch_ = dataset_->length() / batchSize;
}

void ShuffledBatchSource::shuffle(int64_t epoch) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed_ * 1000003ULL + static_cast<uint64_t>(epoch));
  order_ = torch::randperm(dataset_->length(), generator, torch::kLong).to(device_);
  epoch_ = epoch;
}

void ShuffledBatchSource::seek(int64_t position) {
  position_ = position;
  epoch_ = -1;
}

torch::Tensor ShuffledBatchSource::next() {
  int64_t epoch = position_ / batchesPerEpoch_;
  int64_t index = position_ % batchesPerEpoch_;
  if (epoch != epoch_) shuffle(epoch);
  ++position_;
  return samples_.index_select(0, order_.slice(0, index * batchSize_, (index + 1) * batchSize_));
}

}  // namespace gantry::data
