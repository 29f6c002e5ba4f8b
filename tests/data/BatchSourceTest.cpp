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
    for (int b = 0; b < 10; ++b) batches.push_back(source.next());
    auto all = torch::cat(batches).squeeze(1);
    EXPECT_EQ(std::get<0>(torch::_unique(all)).numel(), 100) << "epoch " << e << " repeats a sample";
    epochs.push_back(all);
  }
  EXPECT_FALSE(torch::equal(epochs[0], epochs[1]));
}

TEST(BatchSourceTest, SeekReproducesTheSameBatches) {
  ShuffledBatchSource a(numbered(50), 8, 11, torch::kCPU);
  std::vector<torch::Tensor> straight;
  for (int i = 0; i < 15; ++i) straight.push_back(a.next());
  ShuffledBatchSource b(numbered(50), 8, 11, torch::kCPU);
  b.seek(9);
  for (int i = 9; i < 15; ++i) EXPECT_TRUE(torch::equal(b.next(), straight[i])) << "batch " << i;
  EXPECT_EQ(b.position(), 15);
}

TEST(BatchSourceTest, MixtureSourceDrawsFromTheMixture) {
  torch::manual_seed(0);
  MixtureBatchSource source(makeToyDistribution("gaussian1d"), 4096, torch::kCPU);
  auto batch = source.next();
  EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{4096, 1}));
  EXPECT_NEAR(batch.mean().item<double>(), 4.0, 0.05);  // sd of the mean ≈ 0.008
  EXPECT_EQ(source.position(), 1);
}
