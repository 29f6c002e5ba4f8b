#include "gantry/eval/MixtureMetrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using gantry::data::makeToyDistribution;
using gantry::eval::mixtureCoverage;

TEST(MixtureMetricsTest, ExactModesOnTheModesAreAllCaptured) {
  auto ring = makeToyDistribution("ring8");
  auto c = mixtureCoverage(ring->means().repeat({3, 1}), *ring);
  EXPECT_EQ(c.modesCaptured, 8);
  EXPECT_DOUBLE_EQ(c.highQualityFraction, 1.0);
  EXPECT_NEAR(c.klFromUniform, 0.0, 1e-12);
  EXPECT_EQ(c.highQualityPerMode, std::vector<int64_t>(8, 3));
}

TEST(MixtureMetricsTest, CollapseOnOneModeAndOffModeNoise) {
  auto grid = makeToyDistribution("grid25");
  // 30 samples at mode (0, 0) with an offset of 0.14 (< 3·0.05), 10 at
  // distance 0.16 from mode (2, 2) (> 0.15: not high quality), 10 far away.
  std::vector<torch::Tensor> parts = {torch::tensor({{0.14f, 0.0f}}).repeat({30, 1}),
                                      torch::tensor({{2.0f, 2.16f}}).repeat({10, 1}),
                                      torch::tensor({{1.0f, 1.0f}}).repeat({10, 1})};
  auto c = mixtureCoverage(torch::cat(parts), *grid);
  EXPECT_EQ(c.modesCaptured, 1);
  EXPECT_DOUBLE_EQ(c.highQualityFraction, 30.0 / 50.0);
  EXPECT_NEAR(c.klFromUniform, std::log(25.0), 1e-12);  // all mass on one of 25 modes
}

TEST(MixtureMetricsTest, NoHighQualitySampleIsTheWorstKlNotTheBest) {
  // Every sample at the ring's centre, 2 from each mode: no histogram. The
  // KL was left at 0, which reads as every mode equally often.
  auto ring = makeToyDistribution("ring8");
  auto c = mixtureCoverage(torch::zeros({100, 2}), *ring);
  EXPECT_EQ(c.modesCaptured, 0);
  EXPECT_DOUBLE_EQ(c.highQualityFraction, 0.0);
  EXPECT_NEAR(c.klFromUniform, std::log(8.0), 1e-12);
}

TEST(MixtureMetricsTest, TwoModesInProportionGiveTheirKl) {
  auto ring = makeToyDistribution("ring8");
  auto samples = torch::cat({ring->means().slice(0, 0, 1).repeat({3, 1}), ring->means().slice(0, 4, 5)});
  auto c = mixtureCoverage(samples, *ring);
  EXPECT_EQ(c.modesCaptured, 2);
  // p = (3/4, 1/4) over 8 modes: KL = 3/4 log(6) + 1/4 log(2).
  EXPECT_NEAR(c.klFromUniform, 0.75 * std::log(6.0) + 0.25 * std::log(2.0), 1e-12);
}
