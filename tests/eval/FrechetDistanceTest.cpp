#include "gantry/eval/FrechetDistance.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using gantry::eval::fitGaussian;
using gantry::eval::frechetDistance;
using gantry::test::f64;

namespace {

torch::Tensor matrix(std::initializer_list<double> values) { return f64(values).reshape({2, 2}); }

}  // namespace

TEST(FrechetDistanceTest, DiagonalCovariancesGiveTheClosedForm) {
  // Commuting covariances: FD = ‖Δμ‖² + Σ(√a − √b)² = (1 + 4) + (1 − 2)² + (2 − 3)² = 7.
  double fd = frechetDistance(f64({0, 0}), matrix({1, 0, 0, 4}), f64({1, 2}), matrix({4, 0, 0, 9}));
  EXPECT_NEAR(fd, 7.0, 1e-12);
}

TEST(FrechetDistanceTest, IdentityAgainstACorrelatedCovariance) {
  // Σ2 = [[2, 1], [1, 2]] has eigenvalues 3 and 1: tr Σ2^½ = √3 + 1, so
  // FD = tr I + tr Σ2 − 2(√3 + 1) = 4 − 2√3.
  double fd = frechetDistance(f64({0, 0}), matrix({1, 0, 0, 1}), f64({0, 0}), matrix({2, 1, 1, 2}));
  EXPECT_NEAR(fd, 4.0 - 2.0 * std::sqrt(3.0), 1e-12);
}

TEST(FrechetDistanceTest, NonCommutingCovariances) {
  // Σ1 = diag(4, 1), Σ2 = [[2, 1], [1, 2]]: Σ1Σ2 = [[8, 4], [1, 2]] has trace 10
  // and determinant 12, so its eigenvalues a, b give (√a + √b)² = 10 + 2√12 and
  // FD = 5 + 4 − 2√(10 + 4√3).
  double fd = frechetDistance(f64({0, 0}), matrix({4, 0, 0, 1}), f64({0, 0}), matrix({2, 1, 1, 2}));
  EXPECT_NEAR(fd, 9.0 - 2.0 * std::sqrt(10.0 + 4.0 * std::sqrt(3.0)), 1e-12);
  // The distance is symmetric.
  EXPECT_NEAR(frechetDistance(f64({0, 0}), matrix({2, 1, 1, 2}), f64({0, 0}), matrix({4, 0, 0, 1})), fd, 1e-12);
}

TEST(FrechetDistanceTest, FitUsesTheUnbiasedCovariance) {
  // The corners of a square of side 2: deviations ±1 per coordinate, so the
  // variances are 4/3 (divided by N − 1 = 3) and the covariance 0.
  auto fit = fitGaussian(f64({0, 0, 2, 0, 0, 2, 2, 2}).reshape({4, 2}));
  EXPECT_TRUE(torch::allclose(fit.mean, f64({1, 1})));
  EXPECT_TRUE(torch::allclose(fit.covariance, matrix({4.0 / 3, 0, 0, 4.0 / 3}), 0, 1e-12));
}

TEST(FrechetDistanceTest, IdenticalSetsScoreZeroAndShiftedGaussiansTheirShift) {
  torch::manual_seed(3);
  auto a = torch::randn({20000, 4}, torch::kFloat64);
  EXPECT_NEAR(frechetDistance(fitGaussian(a), fitGaussian(a)), 0.0, 1e-9);
  // N(0, I) against N(m, I): FD = ‖m‖² = 1 plus sampling error (about d²/N
  // for the covariance term and 2d/N for the means: well below 0.01).
  auto b = torch::randn({20000, 4}, torch::kFloat64) + f64({1, 0, 0, 0});
  EXPECT_NEAR(frechetDistance(fitGaussian(a), fitGaussian(b)), 1.0, 0.03);
}

TEST(FrechetDistanceTest, MetricPoolsBatchesAgainstItsReference) {
  torch::manual_seed(4);
  auto reference = torch::randn({300, 3});
  auto generated = torch::randn({200, 3}) * 1.5 + 0.5;
  gantry::eval::FrechetDistanceMetric metric(nullptr, reference);
  metric.updateFeatures({generated.slice(0, 0, 120), torch::zeros({120, 10})});
  metric.updateFeatures({generated.slice(0, 120), torch::zeros({80, 10})});
  auto json = metric.compute();
  EXPECT_NEAR(json["fd"].get<double>(), frechetDistance(fitGaussian(generated), fitGaussian(reference)), 1e-9);
  EXPECT_EQ(json["samples"], 200);
  EXPECT_EQ(json["reference_samples"], 300);
  metric.reset();
  EXPECT_THROW(metric.compute(), gantry::UserError);
}
