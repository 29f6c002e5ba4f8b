// The image statistics latent arithmetic groups by
// (gantry/eval/latent/ImageStatistics.h), on images drawn by hand.
#include "gantry/eval/latent/ImageStatistics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace gantry::eval;

namespace {

/// A 1-pixel stroke on a 28 × 28 image: column = 14 + slope·(14 − row) for
/// rows 4..23 (slope > 0 leans right going up, as "/").
torch::Tensor stroke(double slope) {
  auto image = torch::zeros({1, 1, 28, 28}, torch::kFloat64);
  for (int64_t row = 4; row < 24; ++row)
    image[0][0][row][static_cast<int64_t>(std::lround(14 + slope * (14 - row)))] = 1.0;
  return image;
}

}  // namespace

TEST(ImageStatisticsTest, InkIsTheMeanPixel) {
  auto images = torch::cat({torch::full({1, 1, 4, 4}, 0.25), torch::zeros({1, 1, 4, 4})});
  images[1][0][0][0] = 1.0;
  auto ink = inkOf(images);
  EXPECT_DOUBLE_EQ(ink[0].item<double>(), 0.25);
  EXPECT_DOUBLE_EQ(ink[1].item<double>(), 1.0 / 16);
}

TEST(ImageStatisticsTest, SlantIsTheShearOfTheStroke) {
  // A straight stroke x = x0 − s·y has μ11/μ02 = −s exactly: slant s.
  auto image = torch::zeros({1, 1, 28, 28}, torch::kFloat64);
  for (int64_t row = 2; row < 26; row += 2) image[0][0][row][20 - row / 2] = 1.0;  // x = 20 − y/2: s = 0.5
  EXPECT_NEAR(slantOf(image).item<double>(), 0.5, 1e-12);
  EXPECT_NEAR(slantOf(stroke(0.0)).item<double>(), 0.0, 1e-12);
  EXPECT_GT(slantOf(stroke(0.4)).item<double>(), 0.3);
  EXPECT_LT(slantOf(stroke(-0.4)).item<double>(), -0.3);
  EXPECT_EQ(slantOf(torch::zeros({1, 1, 5, 5})).item<double>(), 0.0);  // no ink, no slant
}
