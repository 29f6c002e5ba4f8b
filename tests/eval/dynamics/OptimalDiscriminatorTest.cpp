// The optimal discriminator's pieces against closed forms: D* of two
// Gaussians, the JSD of two shifted uniforms and the binned densities of
// samples with a known density.
#include <gtest/gtest.h>

#include "gantry/eval/dynamics/OptimalDiscriminator.h"

#include <torch/torch.h>

#include <cmath>

using namespace gantry::eval;

namespace {

torch::Tensor normalDensity(const torch::Tensor& x, double mean, double variance) {
  return (-(x - mean).pow(2) / (2 * variance)).exp() / std::sqrt(2 * M_PI * variance);
}

torch::Tensor standardNormalSamples(int64_t n, uint64_t seed) {
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn({n}, rng, torch::kFloat64);
}

}  // namespace

TEST(OptimalDiscriminatorTest, DStarOfTwoUnitGaussiansIsTheLogisticOfTheirLogRatio) {
  // p = N(0, 1), q = N(1, 1): q/p = exp(x − ½), so D* = σ(½ − x).
  auto x = torch::linspace(-4, 5, 91, torch::kFloat64);
  auto dStar = optimalDiscriminator(normalDensity(x, 0, 1), normalDensity(x, 1, 1));
  EXPECT_LT((dStar - torch::sigmoid(0.5 - x)).abs().max().item<double>(), 1e-12);
  // Where neither density has mass, ½ (not 0/0).
  auto none = optimalDiscriminator(torch::zeros({3}, torch::kFloat64), torch::zeros({3}, torch::kFloat64));
  EXPECT_EQ(none[1].item<double>(), 0.5);
}

TEST(OptimalDiscriminatorTest, JensenShannonOfShiftedUniformsIsTheUnsharedMassTimesLog2) {
  // U(0, 1) against U(s, 1 + s): where only one has mass, m is half of it and
  // that part contributes its mass · log 2; where both do, nothing.
  const double dx = 1e-4;
  auto x = torch::arange(-0.5, 3.0 + dx / 2, dx, torch::kFloat64);
  auto uniform = [&](double from) { return ((x >= from) & (x <= from + 1)).to(torch::kFloat64); };
  for (double shift : {0.0, 0.25, 0.5, 1.5}) {
    const double unshared = std::min(shift, 1.0);
    EXPECT_NEAR(jensenShannon(uniform(0), uniform(shift), dx), unshared * std::log(2.0), 2e-4) << shift;
  }
}

TEST(OptimalDiscriminatorTest, BinnedDensitiesOfNormalSamplesAreTheSmoothedNormal) {
  // A Gaussian kernel of bandwidth h on N(0, 1) samples estimates N(0, 1 + h²)
  // without bias; 10⁵ samples leave about 1e-3 of sampling error.
  auto samples = standardNormalSamples(100000, 5);
  auto grid = torch::linspace(-3, 3, 601, torch::kFloat64);
  const double h = 0.3;
  auto exact = normalDensity(grid, 0, 1 + h * h);
  // Linear binning moves each sample by less than the grid step (0.01),
  // an error of order (step/h)² ≈ 1e-3 relative.
  // Within 5h of the grid's ends the samples beyond it are missing.
  auto interior = [](const torch::Tensor& t) { return t.narrow(0, 150, 301); };
  auto binned = binnedDensity(samples, grid, h);
  EXPECT_LT(interior(binned - exact).abs().max().item<double>(), 4e-3);
  // Half the kernel's width is caught (the peaks differ by 0.012).
  EXPECT_GT(interior(binnedDensity(samples, grid, 0.5 * h) - exact).abs().max().item<double>(), 8e-3);
  // Below the step, linear binning alone (a triangular kernel one step
  // wide): the mass within the grid, all placed; 10⁶ samples give each
  // point about 4,000 (sampling error ≤ 0.0063, the max of 600 about 3.5×).
  auto many = standardNormalSamples(1000000, 7);
  auto fine = binnedDensity(many, grid, 0);
  const double inside = ((many >= -3) & (many <= 3)).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(fine.sum().item<double>() * 0.01, inside, 1e-9);
  EXPECT_LT((fine - normalDensity(grid, 0, 1)).abs().narrow(0, 1, 599).max().item<double>(), 0.03);
}
