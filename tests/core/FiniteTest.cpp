#include "gantry/core/Finite.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

namespace {

TEST(FiniteTest, FindsTheFirstTensorWithNaNOrInfinity) {
  const auto ok = torch::randn({3, 4});
  auto nan = torch::zeros({5});
  nan[3] = std::numeric_limits<float>::quiet_NaN();
  auto inf = torch::ones({2, 2});
  inf[1][0] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(gantry::firstNonFinite({ok, ok}), -1);
  EXPECT_EQ(gantry::firstNonFinite({ok, nan, inf}), 1);
  EXPECT_EQ(gantry::firstNonFinite({ok, inf, nan}), 1);
  EXPECT_EQ(gantry::firstNonFinite({inf}), 0);
  EXPECT_EQ(gantry::firstNonFinite({}), -1);
}

TEST(FiniteTest, LargeFiniteValuesAreNotTakenForInfinity) {
  // Their float32 sum would overflow to infinity; they are all finite.
  const auto large = torch::full({1000}, std::numeric_limits<float>::max());
  const auto mixed = torch::cat({large, -large});
  EXPECT_EQ(gantry::firstNonFinite({large, mixed}), -1);
  EXPECT_EQ(gantry::firstNonFinite({torch::arange(10, torch::kInt64)}), -1);
}

}  // namespace
