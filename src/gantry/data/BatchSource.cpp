#include "gantry/data/BatchSource.h"

#include "gantry/core/Error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::data {

MixtureBatchSource::MixtureBatchSource(std::shared_ptr<const GaussianMixture> distribution, int64_t batchSize,
                                       torch::Device device)
    : BatchSource(batchSize, device), distribution_(std::move(distribution)) {}

Batch MixtureBatchSource::next() {
  ++position_;
  auto [samples, components] = distribution_->sampleWithComponents(batchSize_);
  return {samples.to(device_), components.to(device_)};
}

Batch MixtureBatchSource::fixedDraw(int64_t count, uint64_t seed) const {
  auto [samples, components] =
      distribution_->sampleWithComponents(count, at::make_generator<at::CPUGeneratorImpl>(seed));
  return {samples.to(device_), components.to(device_)};
}

ShuffledBatchSource::ShuffledBatchSource(std::shared_ptr<const TensorDataset> dataset, int64_t batchSize, uint64_t seed,
                                         torch::Device device)
    : BatchSource(batchSize, device), dataset_(std::move(dataset)), seed_(seed) {
  if (dataset_->length() < batchSize)
    throw UserError(
        fmt::format("the dataset has {} samples, fewer than the {} a step draws (batch_size, times pack "
                    "when packing); lower batch_size",
                    dataset_->length(), batchSize));
  samples_ = dataset_->samples().to(device_, torch::kFloat32).contiguous();
  if (dataset_->labels().defined()) {
    labels_ = dataset_->labels().to(device_, torch::kLong).contiguous();
    classes_ = labels_.numel() > 0 ? labels_.max().item<int64_t>() + 1 : 1;
  } else {
    labels_ = torch::zeros({dataset_->length()}, torch::TensorOptions(device_).dtype(torch::kLong));
  }
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

Batch ShuffledBatchSource::next() {
  int64_t epoch = position_ / batchesPerEpoch_;
  int64_t index = position_ % batchesPerEpoch_;
  if (epoch != epoch_) shuffle(epoch);
  ++position_;
  auto rows = order_.slice(0, index * batchSize_, (index + 1) * batchSize_);
  return {samples_.index_select(0, rows), labels_.index_select(0, rows)};
}

Batch ShuffledBatchSource::fixedDraw(int64_t count, uint64_t seed) const {
  auto rows = torch::randperm(samples_.size(0), at::make_generator<at::CPUGeneratorImpl>(seed), torch::kLong)
                  .slice(0, 0, std::min(count, samples_.size(0)))
                  .to(device_);
  return {samples_.index_select(0, rows), labels_.index_select(0, rows)};
}

}  // namespace gantry::data
