#include "gantry/app/RunSettings.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Blas.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "TestSupport.h"

namespace {

gantry::Config presetConfig(const std::string& preset) {
  gantry::Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, preset);
  return config;
}

}  // namespace

TEST(RunSetupTest, LargestMatrixProductOfAStep) {
  // ring8: batch 128 through 128 × 128 layers.
  EXPECT_EQ(gantry::app::workloadOf(presetConfig("ring8")).matrixProduct, 128 * 128 * 128);
  // mnist-mlp: batch 100 through G's 1200 × 1200 layer (D's maxout 784 → 240·5 is smaller).
  EXPECT_EQ(gantry::app::workloadOf(presetConfig("mnist-mlp")).matrixProduct, 100 * 1200 * 1200);
  auto wideMaxout = presetConfig("mnist-mlp");
  wideMaxout.setAssignment("d_hidden=600", "test");
  EXPECT_EQ(gantry::app::workloadOf(wideMaxout).matrixProduct, 100 * 784 * 600 * 5);
}

TEST(RunSetupTest, BlasThreadsFollowTheModelSize) {
  if (gantry::blasThreads() == 0) GTEST_SKIP() << "the loaded BLAS is not OpenBLAS";
  // Every core of the machine (ctest gives each test a budget of one).
  gantry::test::ScopedEnv machine("OMP_NUM_THREADS", nullptr);
  auto apply = [](const gantry::Config& config) {
    auto plan = gantry::app::threadPlan(gantry::app::readSettings(config), gantry::app::workloadOf(config));
    gantry::app::applyThreads(plan);
    return plan;
  };
  auto small = presetConfig("ring8");
  auto plan = apply(small);
  EXPECT_EQ(gantry::blasThreads(), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_EQ(plan.overlap, gantry::availableCores() > 1) << "one BLAS thread leaves a core for the helper";
  auto large = presetConfig("mnist-mlp");
  plan = apply(large);
  EXPECT_EQ(gantry::blasThreads(), gantry::availableCores());
  EXPECT_FALSE(plan.overlap) << "OpenBLAS takes every core";
  large.setAssignment("blas_threads=1", "test");
  apply(large);
  EXPECT_EQ(gantry::blasThreads(), 1);
  // Convolutions take the intra-op threads (oneDNN's), and OpenBLAS then
  // keeps one: dcgan-mnist's (103M multiply-adds) are below the line, four
  // times the width (16 times the work) above it.
  auto dcgan = presetConfig("dcgan-mnist");
  plan = apply(dcgan);
  EXPECT_EQ(plan.intraOp, 1);
  dcgan.setAssignment("dcgan_g_width=128", "test");
  plan = apply(dcgan);
  EXPECT_EQ(plan.intraOp, gantry::availableCores());
  EXPECT_EQ(gantry::blasThreads(), 1);
  EXPECT_EQ(plan.overlap, false) << "the intra-op threads take every core";
  // In bf16 the matrix products run in oneDNN as well: mnist-mlp's take
  // the intra-op threads; ring8's stay below the line, on one thread.
  large.setAssignment("blas_threads=0", "test");
  large.setAssignment("precision=bf16", "test");
  plan = apply(large);
  EXPECT_EQ(plan.intraOp, gantry::availableCores());
  EXPECT_EQ(gantry::blasThreads(), 1);
  small.setAssignment("precision=bf16", "test");
  plan = apply(small);
  EXPECT_EQ(plan.intraOp, 1);
}

TEST(RunSetupTest, OmpNumThreadsIsTheCoreBudget) {
  // Several runs sharing a machine (a seed sweep, ctest -j) set a budget;
  // auto threads then neither spread products nor overlap beyond it.
  gantry::test::ScopedEnv one("OMP_NUM_THREADS", "1");
  EXPECT_EQ(gantry::availableCores(), 1);
  auto settings = gantry::app::readSettings(presetConfig("mnist-mlp"));
  auto plan = gantry::app::threadPlan(settings, gantry::app::workloadOf(presetConfig("mnist-mlp")));
  EXPECT_EQ(plan.blas, 1);
  plan = gantry::app::threadPlan(settings, {});
  EXPECT_FALSE(plan.overlap) << "the helper thread would need a second core";
  {
    gantry::test::ScopedEnv list("OMP_NUM_THREADS", "1,4");
    EXPECT_EQ(gantry::availableCores(), 1) << "the outer level of a nested list";
  }
  int machine = 0;
  {
    gantry::test::ScopedEnv unset("OMP_NUM_THREADS", nullptr);
    machine = gantry::availableCores();
  }
  for (const char* ignored : {"0", "-2", "many", ""}) {
    gantry::test::ScopedEnv bad("OMP_NUM_THREADS", ignored);
    EXPECT_EQ(gantry::availableCores(), machine) << "OMP_NUM_THREADS=" << ignored << " is no budget";
  }
  gantry::test::ScopedEnv big("OMP_NUM_THREADS", "100000");
  EXPECT_LE(gantry::availableCores(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))
      << "a budget adds no cores";
}

TEST(RunSetupTest, TheBatchNeedCountsWhatAStepKeepsForTheBackward) {
  // dcgan-mnist, G 64 wide, D 32 wide, on 28 x 28 (maps at 14 and 7 px):
  // G keeps 64·14²·2 + 128·7²·2 (batch norm keeps its input too) + the
  // 784-pixel image = 38,416 floats a sample; D 32·14² (no batch norm on
  // its first layer) + 64·7²·2 + its logit = 12,545. A step holds G's pass,
  // D's passes on the real and the generated batch and both batches.
  auto config = presetConfig("dcgan-mnist");
  for (const char* assignment : {"dcgan_g_width=64", "dcgan_d_width=32", "batch_size=100"})
    config.setAssignment(assignment, "test");
  const auto settings = gantry::app::readSettings(config);
  auto trainer = gantry::app::buildTrainer(config);
  double batchNeed = -1;
  for (const auto& need : gantry::app::memoryNeeds(settings, *trainer))
    if (need.keys == "batch_size") batchNeed = need.bytes;
  EXPECT_EQ(batchNeed, 100.0 * 4 * (38416 + 2 * 12545 + 2 * 784));
}
