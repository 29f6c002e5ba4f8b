#include "gantry/train/Precision.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using gantry::train::AutocastScope;
using gantry::train::parsePrecision;
using gantry::train::Precision;

TEST(PrecisionTest, Bf16ScopeRunsMatrixProductsInBfloat16OnlyInside) {
  auto x = torch::randn({4, 3});
  auto w = torch::randn({2, 3});
  {
    AutocastScope scope(Precision::BFloat16, torch::kCPU);
    EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kBFloat16);
    EXPECT_EQ(torch::sigmoid(x).scalar_type(), torch::kFloat32) << "elementwise ops stay float32";
  }
  EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kFloat32);
  {
    AutocastScope scope(Precision::Float32, torch::kCPU);
    EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kFloat32);
  }
  EXPECT_EQ(parsePrecision("bf16"), Precision::BFloat16);
  EXPECT_EQ(parsePrecision("float32"), Precision::Float32);
  EXPECT_THROW(parsePrecision("fp8"), std::invalid_argument);
}
