#include "gantry/eval/ParzenWindow.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "TestSupport.h"

using gantry::eval::parzenLogDensity;
using gantry::eval::parzenLogLikelihood;
using gantry::eval::parzenRefinedSigmas;
using gantry::eval::parzenSigmaGrid;

namespace {

/// The density written out: (1/M) Σᵢ (2πσ²)^(−d/2) exp(−‖x − μᵢ‖² / (2σ²)),
/// summed term by term in float64, then its log.
double directLogDensity(const torch::Tensor& x, const torch::Tensor& centres, double sigma) {
  auto xs = x.accessor<double, 1>();
  auto mu = centres.accessor<double, 2>();
  const int64_t d = x.size(0), m = centres.size(0);
  double density = 0.0;
  for (int64_t i = 0; i < m; ++i) {
    double squared = 0.0;
    for (int64_t k = 0; k < d; ++k) squared += (xs[k] - mu[i][k]) * (xs[k] - mu[i][k]);
    density += std::pow(2 * M_PI * sigma * sigma, -0.5 * d) * std::exp(-squared / (2 * sigma * sigma));
  }
  return std::log(density / m);
}

/// A known mixture: two Gaussians in 3-d, at −1 and +1 on every axis, std 0.5.
torch::Tensor mixtureSample(int64_t n) {
  auto side = torch::randint(0, 2, {n, 1}, torch::kFloat64) * 2 - 1;
  return side + 0.5 * torch::randn({n, 3}, torch::kFloat64);
}

}  // namespace

TEST(ParzenWindowTest, GridIsLogspaceFromATenthToOne) {
  auto grid = parzenSigmaGrid();
  ASSERT_EQ(grid.size(), 10u);
  EXPECT_NEAR(grid.front(), 0.1, 1e-15);
  EXPECT_NEAR(grid.back(), 1.0, 1e-15);
  for (size_t i = 1; i < grid.size(); ++i) EXPECT_NEAR(grid[i] / grid[i - 1], std::pow(10.0, 1.0 / 9.0), 1e-12);
}

TEST(ParzenWindowTest, RefinedSigmasRunTenTimesFinerBetweenTheChoicesNeighbours) {
  auto paper = parzenSigmaGrid();
  auto refined = parzenRefinedSigmas(paper, 4, 10);
  ASSERT_EQ(refined.size(), 21u);
  EXPECT_NEAR(refined.front(), paper[3], 1e-12);
  EXPECT_NEAR(refined[10], paper[4], 1e-12);
  EXPECT_NEAR(refined.back(), paper[5], 1e-12);
  for (size_t i = 1; i < refined.size(); ++i)
    EXPECT_NEAR(refined[i] / refined[i - 1], std::pow(10.0, 1.0 / 90.0), 1e-12);
  // At the ends of the grid only one neighbour.
  EXPECT_EQ(parzenRefinedSigmas(paper, 0, 10).size(), 11u);
  EXPECT_NEAR(parzenRefinedSigmas(paper, 9, 10).back(), 1.0, 1e-12);
}

TEST(ParzenWindowTest, RefinedGridFindsAnOptimumThePapersGridStepsOver) {
  // One centre at 0 and validation points at distance r in d = 50: the mean
  // log-likelihood −r²/(2σ²) − d log σ − (d/2) log 2π peaks at σ* = r/√d.
  // Put σ* at the geometric middle of the paper's 0.1 and 0.129: the paper's
  // grid then loses, at σ = σ*·e^(±u), u = ln 10 / 18, exactly
  // (d/2)(e^(∓2u) − 1) ± d·u, and the grid ten times finer finds σ*.
  const int64_t d = 50;
  const double best = std::pow(10.0, -1.0 + 5.0 / 90.0), r = best * std::sqrt(double(d)), u = std::log(10.0) / 18;
  auto centre = torch::zeros({1, d}, torch::kFloat64);
  auto validation = torch::zeros({d, d}, torch::kFloat64);
  for (int64_t i = 0; i < d; ++i) validation[i][i] = r;
  gantry::eval::ParzenMetric metric(validation, validation);
  metric.update(centre);
  auto json = metric.compute();
  const double peak = -d / 2.0 - d * std::log(best) - d / 2.0 * std::log(2 * M_PI);
  EXPECT_NEAR(json["fine_grid"]["sigma"].get<double>(), best, 1e-12);
  EXPECT_NEAR(json["fine_grid"]["log_likelihood"].get<double>(), peak, 1e-9);
  EXPECT_EQ(json["fine_grid"]["sigmas"], 21);  // from 0.1 to 0.167, around the paper's 0.129
  const double lossBelow = d / 2.0 * (std::exp(2 * u) - 1) - d * u,
               lossAbove = d / 2.0 * (std::exp(-2 * u) - 1) + d * u;
  // The paper's grid takes the upper neighbour (the curve is steeper below σ*).
  EXPECT_GT(lossBelow, lossAbove);
  EXPECT_EQ(json["sigma"].get<double>(), parzenSigmaGrid()[1]);
  EXPECT_NEAR(peak - json["log_likelihood"].get<double>(), lossAbove, 1e-9);
  // ≈ d·u² to second order: 0.82 nats here, 12.8 on 784 pixels.
  EXPECT_NEAR(lossAbove, d * u * u, 0.1 * d * u * u);
}

TEST(ParzenWindowTest, MatrixEstimatorMatchesTheDirectSumOnAKnownMixture) {
  torch::manual_seed(21);
  auto centres = mixtureSample(200), points = mixtureSample(30);
  std::vector<double> sigmas = {0.3, 0.6, 1.0};
  // Blocks of 7 points exercise the chunking.
  auto estimated = parzenLogDensity(points, centres, sigmas, 7);
  ASSERT_EQ(estimated.sizes(), (std::vector<int64_t>{30, 3}));
  for (int64_t i = 0; i < 30; ++i)
    for (size_t s = 0; s < sigmas.size(); ++s)
      EXPECT_NEAR(estimated[i][static_cast<int64_t>(s)].item<double>(), directLogDensity(points[i], centres, sigmas[s]),
                  1e-10);
}

TEST(ParzenWindowTest, OneCentreIsTheGaussianDensityEvenFarOut) {
  // x = (1, 2, 2) from one centre at 0, σ = 2: log N = −9/8 − 3 log(2√(2π)).
  auto x = gantry::test::f64({1, 2, 2}).unsqueeze(0);
  auto origin = torch::zeros({1, 3}, torch::kFloat64);
  EXPECT_NEAR(parzenLogDensity(x, origin, {2.0}).item<double>(), -9.0 / 8.0 - 3 * std::log(2 * std::sqrt(2 * M_PI)),
              1e-12);
  // 100 away at σ = 0.1 the density underflows float64 (exp(−500000)); the
  // log-sum-exp still gives −100²/(2·0.01) − 3 log(0.1√(2π)).
  auto far = gantry::test::f64({100, 0, 0}).unsqueeze(0);
  double expected = -10000.0 / 0.02 - 3 * std::log(0.1 * std::sqrt(2 * M_PI));
  EXPECT_NEAR(parzenLogDensity(far, origin.repeat({5, 1}), {0.1}).item<double>(), expected, 1e-6);
}

TEST(ParzenWindowTest, SigmaIsChosenOnValidationWhereTheOptimumIsKnown) {
  // Every centre at 0 and every validation point at distance r in d = 4:
  // log p = −r²/(2σ²) − 4 log σ − 2 log 2π, maximal at σ = r/2. With
  // r = 2·10^(−1/3) that is the grid's 7th value, 0.464.
  const double best = std::pow(10.0, -1.0 / 3.0), r = 2 * best;
  auto centres = torch::zeros({10, 4}, torch::kFloat64);
  auto validation = torch::zeros({8, 4}, torch::kFloat64);
  for (int64_t i = 0; i < 8; ++i) validation[i][i % 4] = (i < 4 ? r : -r);
  auto test = gantry::test::f64({0.3, 0, 0, 0, 0, 0.6, 0, 0}).reshape({2, 4});
  auto result = parzenLogLikelihood(centres, validation, test);
  EXPECT_NEAR(result.sigma, best, 1e-12);
  EXPECT_NEAR(result.validationLogLikelihood[6], -2.0 - 4 * std::log(best) - 2 * std::log(2 * M_PI), 1e-10);
  for (size_t s = 0; s < result.sigmas.size(); ++s)
    EXPECT_LE(result.validationLogLikelihood[s], result.validationLogLikelihood[6]);
  // Test points at 0.3 and 0.6 under σ = best: mean and standard error (population std / √2).
  auto logP = [&](double distance) {
    return -distance * distance / (2 * best * best) - 4 * std::log(best) - 2 * std::log(2 * M_PI);
  };
  double a = logP(0.3), b = logP(0.6);
  EXPECT_NEAR(result.logLikelihood, (a + b) / 2, 1e-10);
  EXPECT_NEAR(result.standardError, std::abs(a - b) / 2 / std::sqrt(2.0), 1e-10);
}

TEST(ParzenWindowTest, MetricScoresItsCentresLikeTheFunction) {
  torch::manual_seed(22);
  auto validation = mixtureSample(40), test = mixtureSample(60), samples = mixtureSample(300);
  gantry::eval::ParzenMetric metric(validation, test);
  metric.update(samples.slice(0, 0, 100));
  metric.update(samples.slice(0, 100));
  auto json = metric.compute();
  auto direct = parzenLogLikelihood(samples, validation, test);
  EXPECT_NEAR(json["log_likelihood"].get<double>(), direct.logLikelihood, 1e-9);
  EXPECT_NEAR(json["standard_error"].get<double>(), direct.standardError, 1e-9);
  EXPECT_EQ(json["sigma"].get<double>(), direct.sigma);
  EXPECT_EQ(json["samples"], 300);
  EXPECT_EQ(json["validation_images"], 40);
  EXPECT_EQ(json["test_images"], 60);
  // The refined choice is the best of the finer values around the paper's.
  size_t chosen = 0;
  while (direct.sigmas[chosen] != direct.sigma) ++chosen;
  auto fine = parzenLogLikelihood(samples, validation, test, parzenRefinedSigmas(direct.sigmas, chosen, 10));
  EXPECT_NEAR(json["fine_grid"]["log_likelihood"].get<double>(), fine.logLikelihood, 1e-9);
  EXPECT_NEAR(json["fine_grid"]["standard_error"].get<double>(), fine.standardError, 1e-9);
  EXPECT_EQ(json["fine_grid"]["sigma"].get<double>(), fine.sigma);
  EXPECT_GE(*std::max_element(fine.validationLogLikelihood.begin(), fine.validationLogLikelihood.end()),
            direct.validationLogLikelihood[chosen] - 1e-9);
  // Samples from the mixture itself score far above samples from elsewhere.
  gantry::eval::ParzenMetric wrong(validation, test);
  wrong.update(samples + 3.0);
  EXPECT_GT(json["log_likelihood"].get<double>(), wrong.compute()["log_likelihood"].get<double>() + 5);
}
