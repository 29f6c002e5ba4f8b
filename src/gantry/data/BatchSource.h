#pragma once

#include "gantry/data/Batch.h"
#include "gantry/data/GaussianMixture.h"
#include "gantry/data/TensorDataset.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace gantry::data {

/// An endless stream of minibatches of real samples for training. Its state
/// is the number of batches drawn, so a resumed run draws the same batches.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// The next minibatch: samples [batchSize, sampleShape...] (float32) and
  /// their labels [batchSize] (int64), on `device`.
  virtual Batch next() = 0;
  /// `count` real samples drawn with a generator of their own seeded with
  /// `seed`, leaving the stream untouched (training draws the same batches
  /// with or without them): for figures taken during a run, such as the
  /// report's histograms of D's outputs.
  virtual Batch fixedDraw(int64_t count, uint64_t seed) const = 0;
  /// Batches drawn so far; seek() restores that position.
  int64_t position() const { return position_; }
  virtual void seek(int64_t position) { position_ = position; }
  /// Batches in one pass over the data (an "epoch", for schedules).
  virtual int64_t batchesPerEpoch() const = 0;
  virtual std::vector<int64_t> sampleShape() const = 0;
  /// Labels are in [0, classes()).
  virtual int64_t classes() const = 0;
  int64_t batchSize() const { return batchSize_; }

 protected:
  BatchSource(int64_t batchSize, torch::Device device) : batchSize_(batchSize), device_(device) {}
  int64_t batchSize_;
  torch::Device device_;
  int64_t position_ = 0;
};

/// Fresh samples from a toy distribution at every draw, with the default CPU
/// generator (whose state checkpoints keep), labelled by their component. An
/// "epoch" is 100 batches.
class MixtureBatchSource : public BatchSource {
 public:
  MixtureBatchSource(std::shared_ptr<const GaussianMixture> distribution, int64_t batchSize, torch::Device device);
  Batch next() override;
  Batch fixedDraw(int64_t count, uint64_t seed) const override;
  int64_t batchesPerEpoch() const override { return 100; }
  std::vector<int64_t> sampleShape() const override { return {distribution_->dim()}; }
  int64_t classes() const override { return distribution_->components(); }

 private:
  std::shared_ptr<const GaussianMixture> distribution_;
};

/// Shuffled passes over an in-memory dataset, dropping the last incomplete
/// batch; labels are the dataset's (all 0 when it has none). Each epoch's order is a permutation from a generator
/// seeded with (seed, epoch), so the order depends only on the position, not on history.
class ShuffledBatchSource : public BatchSource {
 public:
  ShuffledBatchSource(std::shared_ptr<const TensorDataset> dataset, int64_t batchSize, uint64_t seed,
                      torch::Device device);
  Batch next() override;
  /// The first `count` of a permutation (at most the whole dataset).
  Batch fixedDraw(int64_t count, uint64_t seed) const override;
  void seek(int64_t position) override;
  int64_t batchesPerEpoch() const override { return batchesPerEpoch_; }
  std::vector<int64_t> sampleShape() const override { return dataset_->sampleShape(); }
  int64_t classes() const override { return classes_; }

 private:
  void shuffle(int64_t epoch);

  std::shared_ptr<const TensorDataset> dataset_;
  torch::Tensor samples_;  // on device_
  torch::Tensor labels_;   // on device_
  int64_t classes_ = 1;
  uint64_t seed_;
  int64_t batchesPerEpoch_;
  int64_t epoch_ = -1;
  torch::Tensor order_;  // permutation of the current epoch, on device_
};

}  // namespace gantry::data
