#include "gantry/eval/KernelInceptionDistance.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using gantry::eval::kernelInceptionDistance;
using gantry::eval::polynomialKernel;
using gantry::eval::unbiasedMmd2;
using gantry::test::f64;

TEST(KernelInceptionDistanceTest, KernelIsTheCubicPolynomial) {
  // x·y = 3 − 2 = 1 in d = 2: (1/2 + 1)³ = 3.375; x·x = 5: (5/2 + 1)³ = 42.875.
  auto x = f64({1, 2}).reshape({1, 2}), y = f64({3, -1}).reshape({1, 2});
  EXPECT_NEAR(polynomialKernel(x, y).item<double>(), 3.375, 1e-12);
  EXPECT_NEAR(polynomialKernel(x, x).item<double>(), 42.875, 1e-12);
}

TEST(KernelInceptionDistanceTest, UnbiasedMmdByHand) {
  // d = 1, k(x, y) = (xy + 1)³, X = {0, 1}, Y = {1, 2}:
  //   off-diagonal K_XX: k(0, 1) = 1, twice → 2 / (2·1) = 1
  //   off-diagonal K_YY: k(1, 2) = 27, twice → 54 / 2 = 27
  //   K_XY: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 → 2·37/4 = 18.5
  // MMD²ᵤ = 1 + 27 − 18.5 = 9.5.
  auto x = f64({0, 1}).reshape({2, 1}), y = f64({1, 2}).reshape({2, 1});
  EXPECT_NEAR(unbiasedMmd2(x, y), 9.5, 1e-12);
  // Subsets of the whole sets are the sets: every subset gives 9.5.
  auto kid = kernelInceptionDistance(x, y, 5, 1000);
  EXPECT_EQ(kid.subsetSize, 2);
  EXPECT_EQ(kid.subsets, 5);
  EXPECT_NEAR(kid.mean, 9.5, 1e-12);
  EXPECT_NEAR(kid.std, 0.0, 1e-12);
}

TEST(KernelInceptionDistanceTest, EstimateIsUnbiasedForOneDistribution) {
  // 400 independent pairs of 50 standard normal points in d = 2: the mean of
  // MMD²ᵤ must be 0 within 4 standard errors. The biased estimate (with the
  // diagonals) would sit near 2(E k(x,x) − E k(x,x'))/m = 2(16 − 2.5)/50 = 0.54.
  torch::manual_seed(11);
  std::vector<double> values;
  for (int i = 0; i < 400; ++i)
    values.push_back(unbiasedMmd2(torch::randn({50, 2}, torch::kFloat64), torch::randn({50, 2}, torch::kFloat64)));
  auto v = torch::tensor(values, torch::kFloat64);
  double mean = v.mean().item<double>(), standardError = v.std().item<double>() / std::sqrt(400.0);
  EXPECT_LT(std::abs(mean), 4 * standardError) << "mean " << mean << " se " << standardError;
  EXPECT_LT(standardError, 0.05);  // the test can tell 0 from the biased 0.54
}

TEST(KernelInceptionDistanceTest, GrowsWithAShiftAndIsSeeded) {
  torch::manual_seed(12);
  auto a = torch::randn({2000, 8}, torch::kFloat64);
  auto b = torch::randn({2000, 8}, torch::kFloat64);
  auto same = kernelInceptionDistance(a, b, 50, 500, 1);
  auto shifted = kernelInceptionDistance(a, b + 0.5, 50, 500, 1);
  auto further = kernelInceptionDistance(a, b + 1.0, 50, 500, 1);
  EXPECT_LT(std::abs(same.mean), 3 * same.std);
  EXPECT_GT(shifted.mean, same.mean + 5 * shifted.std);
  EXPECT_GT(further.mean, shifted.mean + 5 * further.std);
  auto again = kernelInceptionDistance(a, b + 0.5, 50, 500, 1);
  EXPECT_EQ(again.mean, shifted.mean);
  EXPECT_NE(kernelInceptionDistance(a, b + 0.5, 50, 500, 2).mean, shifted.mean);
}

TEST(KernelInceptionDistanceTest, MetricCapsTheSubsetAtTheSmallerSet) {
  torch::manual_seed(13);
  gantry::eval::KernelInceptionDistanceMetric metric(nullptr, torch::randn({500, 4}), 10, 1000);
  metric.updateFeatures({torch::randn({300, 4}), torch::zeros({300, 10})});
  auto json = metric.compute();
  EXPECT_EQ(json["subset_size"], 300);
  EXPECT_EQ(json["subsets"], 10);
  EXPECT_EQ(json["samples"], 300);
  EXPECT_TRUE(json.contains("kid_mean") && json.contains("kid_std"));
}
