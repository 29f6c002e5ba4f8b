#include "gantry/app/RunSettings.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Blas.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

namespace {

gantry::Config presetConfig(const std::string& preset) {
  gantry::Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, preset);
  return config;
}

}  // namespace

TEST(RunSetupTest, LargestMatrixProductOfAStep) {
  // ring8: batch 128 through 128 × 128 layers.
  EXPECT_EQ(gantry::app::largestMatrixProduct(presetConfig("ring8")), 128 * 128 * 128);
  // mnist-mlp: batch 100 through G's 1200 × 1200 layer (D's maxout 784 → 240·5 is smaller).
  EXPECT_EQ(gantry::app::largestMatrixProduct(presetConfig("mnist-mlp")), 100 * 1200 * 1200);
  auto wideMaxout = presetConfig("mnist-mlp");
  wideMaxout.setAssignment("d_hidden=600", "test");
  EXPECT_EQ(gantry::app::largestMatrixProduct(wideMaxout), 100 * 784 * 600 * 5);
}

TEST(RunSetupTest, BlasThreadsFollowTheModelSize) {
  if (gantry::blasThreads() == 0) GTEST_SKIP() << "the loaded BLAS is not OpenBLAS";
  auto apply = [](const gantry::Config& config) {
    auto plan = gantry::app::threadPlan(gantry::app::readSettings(config), gantry::app::largestMatrixProduct(config));
    gantry::app::applyThreads(plan);
    return plan;
  };
  auto small = presetConfig("ring8");
  auto plan = apply(small);
  EXPECT_EQ(gantry::blasThreads(), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_EQ(plan.overlap, gantry::hardwareThreads() > 1) << "one BLAS thread leaves a core for the helper";
  auto large = presetConfig("mnist-mlp");
  plan = apply(large);
  EXPECT_EQ(gantry::blasThreads(), static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_FALSE(plan.overlap) << "OpenBLAS takes every core";
  large.setAssignment("blas_threads=1", "test");
  apply(large);
  EXPECT_EQ(gantry::blasThreads(), 1);
}
