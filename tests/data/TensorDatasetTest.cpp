#include "gantry/data/TensorDataset.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

namespace gantry::data {
namespace {

TEST(TensorDatasetTest, GetReturnsSampleAndLabel) {
  const torch::Tensor samples = torch::arange(4 * 2 * 3, torch::kFloat32).reshape({4, 2, 3});
  const torch::Tensor labels = torch::tensor({3, 1, 4, 1}, torch::kInt64);
  TensorDataset dataset(samples, labels);
  EXPECT_EQ(dataset.length(), 4);
  EXPECT_EQ(dataset.size().value(), 4u);
  EXPECT_EQ(dataset.sampleShape(), (std::vector<int64_t>{2, 3}));
  const auto example = dataset.get(2);
  EXPECT_TRUE(torch::equal(example.data, samples[2]));
  EXPECT_EQ(example.target.item<int64_t>(), 4);
  EXPECT_THROW(dataset.get(4), std::out_of_range);
}

TEST(TensorDatasetTest, UnlabelledGivesEmptyTarget) {
  TensorDataset dataset(torch::ones({3, 2}));
  EXPECT_FALSE(dataset.labels().defined());
  const auto example = dataset.get(1);
  EXPECT_TRUE(torch::equal(example.data, torch::ones({2})));
  EXPECT_FALSE(example.target.defined());
}

TEST(TensorDatasetTest, DefaultIsEmptyAndMismatchedLabelsAreRejected) {
  TensorDataset empty;
  EXPECT_EQ(empty.length(), 0);
  EXPECT_EQ(empty.size().value(), 0u);
  EXPECT_THROW(empty.get(0), std::out_of_range);
  EXPECT_THROW(TensorDataset(torch::ones({3, 2}), torch::zeros({2}, torch::kInt64)), std::invalid_argument);
}

TEST(TensorDatasetTest, WorksWithLibTorchBatching) {
  TensorDataset dataset(torch::arange(6, torch::kFloat32).reshape({6, 1}), torch::arange(6, torch::kInt64));
  const auto batch = dataset.get_batch({5, 0});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].data.item<float>(), 5.0f);
  EXPECT_EQ(batch[1].target.item<int64_t>(), 0);
}

}  // namespace
}  // namespace gantry::data
