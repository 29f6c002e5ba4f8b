#include "gantry/data/GaussianMixture.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using gantry::data::makeToyDistribution;

TEST(GaussianMixtureTest, ModesAreThePublishedOnes) {
  auto ring = makeToyDistribution("ring8");
  ASSERT_EQ(ring->components(), 8);
  EXPECT_DOUBLE_EQ(ring->componentStd(), 0.01);
  for (int k = 0; k < 8; ++k) {
    EXPECT_NEAR(ring->means()[k][0].item<double>(), std::cos(2 * M_PI * k / 8), 1e-6);
    EXPECT_NEAR(ring->means()[k][1].item<double>(), std::sin(2 * M_PI * k / 8), 1e-6);
  }
  auto grid = makeToyDistribution("grid25");
  ASSERT_EQ(grid->components(), 25);
  EXPECT_DOUBLE_EQ(grid->componentStd(), 0.05);
  EXPECT_TRUE(torch::equal(std::get<0>(torch::_unique(grid->means().select(1, 0), /*sorted=*/true)),
                           torch::tensor({-4.f, -2.f, 0.f, 2.f, 4.f})));
  EXPECT_EQ(makeToyDistribution("ring9"), nullptr);
}

TEST(GaussianMixtureTest, GaussianSamplesHaveTheRightMoments) {
  torch::manual_seed(3);
  auto g = makeToyDistribution("gaussian1d");
  auto x = g->sample(200000);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{200000, 1}));
  // Standard errors: 0.5/sqrt(2e5) ≈ 0.0011 for the mean, ≈ 0.0008 for the std.
  EXPECT_NEAR(x.mean().item<double>(), 4.0, 0.006);
  EXPECT_NEAR(x.std().item<double>(), 0.5, 0.005);
}

TEST(GaussianMixtureTest, RingSamplesSplitEvenlyAndStayNearTheirModes) {
  torch::manual_seed(4);
  auto ring = makeToyDistribution("ring8");
  auto x = ring->sample(80000);
  auto [dist, mode] = torch::cdist(x, ring->means()).min(1);
  // All within 6 std of a mode (P(chi_2 > 36) ≈ 1.5e-8 per sample).
  EXPECT_LT(dist.max().item<double>(), 0.06);
  auto counts = torch::bincount(mode, {}, 8).to(torch::kFloat64) / 80000.0;
  EXPECT_LT((counts - 0.125).abs().max().item<double>(), 0.01);  // sd ≈ 0.0012
}

TEST(GaussianMixtureTest, DensityIntegratesToOne) {
  auto g = makeToyDistribution("gaussian1d");
  auto grid = torch::linspace(0, 8, 8001, torch::kFloat64).unsqueeze(1);
  double integral = g->density(grid).sum().item<double>() * 0.001;
  EXPECT_NEAR(integral, 1.0, 1e-4);
  EXPECT_NEAR(g->density(torch::full({1, 1}, 4.0)).item<double>(), 1.0 / (0.5 * std::sqrt(2 * M_PI)), 1e-9);
}
