#include "gantry/data/BatchSource.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace gantry::data;

namespace {

std::shared_ptr<TensorDataset> numbered(int64_t n) {
  return std::make_shared<TensorDataset>(torch::arange(n, torch::kFloat32).unsqueeze(1));
}

}  // namespace

TEST(BatchSourceTest, EachEpochVisitsEverySampleOnceAndEpochsDiffer) {
  ShuffledBatchSource source(numbered(103), 10, 7, torch::kCPU);
  EXPECT_EQ(source.batchesPerEpoch(), 10);  // the last 3 samples are dropped
  std::vector<torch::Tensor> epochs;
  for (int e = 0; e < 2; ++e) {
    std::vector<torch::Tensor> batches;
    for (int b = 0; b < 10; ++b) batches.push_back(source.next().samples);
    auto all = torch::cat(batches).squeeze(1);
    EXPECT_EQ(std::get<0>(torch::_unique(all)).numel(), 100) << "epoch " << e << " repeats a sample";
    epochs.push_back(all);
  }
  EXPECT_FALSE(torch::equal(epochs[0], epochs[1]));
}

TEST(BatchSourceTest, SeekReproducesTheSameBatches) {
  ShuffledBatchSource a(numbered(50), 8, 11, torch::kCPU);
  std::vector<torch::Tensor> straight;
  for (int i = 0; i < 15; ++i) straight.push_back(a.next().samples);
  ShuffledBatchSource b(numbered(50), 8, 11, torch::kCPU);
  b.seek(9);
  for (int i = 9; i < 15; ++i) EXPECT_TRUE(torch::equal(b.next().samples, straight[i])) << "batch " << i;
  EXPECT_EQ(b.position(), 15);
}

TEST(BatchSourceTest, MixtureSourceDrawsFromTheMixture) {
  torch::manual_seed(0);
  MixtureBatchSource source(makeToyDistribution("gaussian1d"), 4096, torch::kCPU);
  auto batch = source.next().samples;
  EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{4096, 1}));
  EXPECT_NEAR(batch.mean().item<double>(), 4.0, 0.05);  // sd of the mean ≈ 0.008
  EXPECT_EQ(source.position(), 1);
}

TEST(BatchSourceTest, BatchesCarryTheirLabels) {
  // A dataset's labels follow its samples through the shuffle.
  auto samples = torch::arange(40, torch::kFloat32).unsqueeze(1);
  auto labels = torch::arange(40, torch::kLong).remainder(4);
  ShuffledBatchSource source(std::make_shared<TensorDataset>(samples, labels), 10, 3, torch::kCPU);
  EXPECT_EQ(source.classes(), 4);
  for (int i = 0; i < 6; ++i) {
    auto batch = source.next();
    EXPECT_TRUE(torch::equal(batch.labels, batch.samples.squeeze(1).to(torch::kLong).remainder(4)));
  }
  // A toy mixture's labels are its components: each sample lies near its own mode.
  torch::manual_seed(1);
  auto ring = makeToyDistribution("ring8");
  MixtureBatchSource mixture(std::shared_ptr<GaussianMixture>(std::move(ring)), 500, torch::kCPU);
  EXPECT_EQ(mixture.classes(), 8);
  auto batch = mixture.next();
  auto means = makeToyDistribution("ring8")->means();
  EXPECT_TRUE(torch::equal(torch::cdist(batch.samples, means).argmin(1), batch.labels));
  // And the draw is the unlabelled sampler's: the same samples from the same state.
  torch::manual_seed(1);
  EXPECT_TRUE(torch::equal(makeToyDistribution("ring8")->sample(500), batch.samples));
}
