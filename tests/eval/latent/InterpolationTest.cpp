// lerp and slerp (gantry/eval/latent/Interpolation.h) against their closed
// forms, and the reason slerp exists: a straight line between two codes of
// N(0, I_d) passes through norms the prior almost never draws.
#include "gantry/eval/latent/Interpolation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace gantry::eval;

TEST(InterpolationTest, SlerpFollowsTheGreatCircleBetweenOrthogonalCodes) {
  auto a = torch::tensor({1.0, 0.0, 0.0}), b = torch::tensor({0.0, 1.0, 0.0});
  EXPECT_TRUE(torch::allclose(slerp(a, b, 0.0), a));
  EXPECT_TRUE(torch::allclose(slerp(a, b, 1.0), b));
  // Ω = π/2: slerp(t) = (cos(tπ/2), sin(tπ/2), 0).
  for (double t : {0.25, 0.5, 0.8}) {
    auto expected = torch::tensor({std::cos(t * M_PI / 2), std::sin(t * M_PI / 2), 0.0});
    EXPECT_TRUE(torch::allclose(slerp(a, b, t), expected, 1e-12, 1e-12)) << t;
  }
  EXPECT_TRUE(torch::allclose(lerp(a, b, 0.5), torch::tensor({0.5, 0.5, 0.0})));
}

TEST(InterpolationTest, SlerpKeepsTheNormOfEqualNormCodesWhereLerpShrinksIt) {
  torch::manual_seed(1);
  const int64_t d = 512;
  auto a = torch::randn({d}, torch::kFloat64), b = torch::randn({d}, torch::kFloat64);
  b = b / b.norm() * a.norm();  // same norm
  auto path = interpolationPath(a, b, 11, "slerp");
  ASSERT_EQ(path.sizes().vec(), (std::vector<int64_t>{11, d}));
  auto norms = path.norm(2, 1);
  EXPECT_LT((norms - a.norm()).abs().max().item<double>(), 1e-9);
  // The straight line's midpoint of two near-orthogonal codes of norm √d has norm ≈ √(d/2).
  const double mid = interpolationPath(a, b, 11, "lerp")[5].norm().item<double>();
  EXPECT_NEAR(mid / a.norm().item<double>(), std::sqrt(0.5), 0.05);
}

TEST(InterpolationTest, ParallelCodesFallBackToTheStraightLine) {
  auto a = torch::tensor({1.0, 2.0}), b = torch::tensor({2.0, 4.0});
  EXPECT_TRUE(torch::allclose(slerp(a, b, 0.5), torch::tensor({1.5, 3.0})));
  EXPECT_THROW(interpolationPath(a, b, 1, "slerp"), std::invalid_argument);
  EXPECT_THROW(interpolationPath(a, b, 3, "cubic"), std::invalid_argument);
}
