#include "gantry/eval/Memorization.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "TestSupport.h"

using gantry::eval::nearestNeighbours;
using gantry::test::f64;

TEST(MemorizationTest, NearestTrainingImageByHand) {
  auto references = f64({0, 0, 3, 4, 10, 0}).reshape({3, 2});
  auto queries = f64({0, 1, 3, 3, 9, 0, 6, 0}).reshape({4, 2});
  // (6, 0) is 5 from (3, 4) and 4 from (10, 0).
  auto nn = nearestNeighbours(queries, references, 3);
  EXPECT_TRUE(torch::equal(nn.indices, torch::tensor({0, 1, 2, 2}, torch::kLong)));
  EXPECT_TRUE(torch::allclose(nn.distances, f64({1, 1, 1, 4}), 0, 1e-12));
}

TEST(MemorizationTest, CopiesOfTrainingImagesStandOut) {
  torch::manual_seed(31);
  auto training = torch::rand({300, 1, 4, 4});
  // 6 exact copies of training images 10..15 and 6 fresh images.
  auto samples = torch::cat({training.slice(0, 10, 16), torch::rand({6, 1, 4, 4})});
  gantry::eval::MemorizationMetric metric(training, 100, 0, 16);
  metric.update(samples);
  auto json = metric.compute();
  EXPECT_EQ(json["samples"], 12);
  EXPECT_EQ(json["training_images"], 300);
  EXPECT_EQ(json["baseline_images"], 100);
  EXPECT_EQ(json["nearest_distance"]["min"].get<double>(), 0.0);
  // Half the samples are copies, closer than any real image is to another.
  EXPECT_GE(json["fraction_below_train_q01"].get<double>(), 0.5);
  EXPECT_LT(json["median_ratio"].get<double>(), 1.0);
  std::set<int64_t> copied;
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(json["closest"][k]["distance"].get<double>(), 0.0);
    EXPECT_EQ(json["closest"][k]["train_index"].get<int64_t>(), json["closest"][k]["sample"].get<int64_t>() + 10);
    copied.insert(json["closest"][k]["sample"].get<int64_t>());
  }
  EXPECT_EQ(copied, (std::set<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_GT(json["closest"][6]["distance"].get<double>(), 0.0);

  // The picture: 12 pairs in 8 columns → 2 rows of pairs → 32 tiles; the
  // first tile is the closest sample, the 9th its training image.
  auto images = metric.closestPairsImages();
  ASSERT_EQ(images.sizes(), (std::vector<int64_t>{32, 1, 4, 4}));
  int64_t first = json["closest"][0]["sample"].get<int64_t>();
  EXPECT_TRUE(torch::equal(images[0], samples[first]));
  EXPECT_TRUE(torch::equal(images[8], training[json["closest"][0]["train_index"].get<int64_t>()]));
}

TEST(MemorizationTest, FreshSamplesLookLikeRealImages) {
  // Samples from the training distribution, not copies: their distances to
  // the training set are like real images' (median ratio near 1).
  torch::manual_seed(32);
  auto training = torch::rand({2000, 16});
  gantry::eval::MemorizationMetric metric(training, 500, 1);
  metric.update(torch::rand({500, 16}));
  auto json = metric.compute();
  EXPECT_NEAR(json["median_ratio"].get<double>(), 1.0, 0.05);
  EXPECT_LT(json["fraction_below_train_q01"].get<double>(), 0.05);
}
