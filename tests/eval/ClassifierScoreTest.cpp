#include "gantry/eval/ClassifierScore.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using gantry::eval::classifierScore;

namespace {

/// One-hot rows of the given classes.
torch::Tensor oneHot(const std::vector<int64_t>& classes, int64_t count) {
  return torch::one_hot(torch::tensor(classes), count).to(torch::kFloat64);
}

}  // namespace

TEST(ClassifierScoreTest, ConfidentAndBalancedScoresTheNumberOfClasses) {
  std::vector<int64_t> classes;
  for (int repeat = 0; repeat < 10; ++repeat)
    for (int64_t c = 0; c < 10; ++c) classes.push_back(c);
  // Each split of 10 holds every class once: KL = log 10 for every row.
  auto score = classifierScore(oneHot(classes, 10), 10);
  EXPECT_NEAR(score.mean, 10.0, 1e-9);
  EXPECT_NEAR(score.std, 0.0, 1e-9);
  EXPECT_EQ(score.splits, 10);
}

TEST(ClassifierScoreTest, OneClassScoresOne) {
  auto score = classifierScore(oneHot(std::vector<int64_t>(50, 3), 10), 10);
  EXPECT_NEAR(score.mean, 1.0, 1e-12);
}

TEST(ClassifierScoreTest, SoftPredictionsByHand) {
  // p1 = (1, 0), p2 = (½, ½): p(y) = (¾, ¼);
  // KL1 = log(4/3), KL2 = ½ log(2/3) + ½ log 2; score = exp((KL1 + KL2)/2).
  auto p = gantry::test::f64({1, 0, 0.5, 0.5}).reshape({2, 2});
  double kl1 = std::log(4.0 / 3.0), kl2 = 0.5 * std::log(2.0 / 3.0) + 0.5 * std::log(2.0);
  EXPECT_NEAR(classifierScore(p, 1).mean, std::exp((kl1 + kl2) / 2), 1e-12);
}

TEST(ClassifierScoreTest, SplitsGiveMeanAndPopulationStd) {
  // Split 1: four samples of class 0 (score 1); split 2: classes 0, 1, 0, 1
  // (score 2). Mean 1.5, std 0.5.
  auto score = classifierScore(oneHot({0, 0, 0, 0, 0, 1, 0, 1}, 2), 2);
  EXPECT_NEAR(score.mean, 1.5, 1e-12);
  EXPECT_NEAR(score.std, 0.5, 1e-12);
  // Fewer samples than splits: one split per sample.
  EXPECT_EQ(classifierScore(oneHot({0, 1, 1}, 2), 10).splits, 3);
}
