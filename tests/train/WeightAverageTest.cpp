// The average of G's weights (g_ema): its update against the closed form
// iterated in double precision, batch norm's statistics, and the trainer
// keeping it through a checkpoint.
#include "gantry/models/Dcgan.h"
#include "gantry/models/Mlp.h"
#include "gantry/train/Trainer.h"
#include "gantry/train/WeightAverage.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>

#include "TestSupport.h"

using namespace gantry;

namespace {

void fillParameters(torch::nn::Module& module, double value) {
  torch::NoGradGuard guard;
  for (auto& p : module.parameters()) p.fill_(value);
}

}  // namespace

TEST(WeightAverageTest, FollowsTheWarmedUpMovingAverageStepByStep) {
  auto options = models::MlpGeneratorOptions(2, {3}).hidden({4});
  models::MlpGenerator live(options);
  fillParameters(live, 1.0);  // θ_0
  train::WeightAverage average(std::make_shared<models::MlpGenerator>(options), live, 0.9);
  double expected = 1.0;
  for (int64_t t = 1; t <= 100; ++t) {
    const double theta = std::sin(0.3 * static_cast<double>(t)) + 0.01 * static_cast<double>(t);
    fillParameters(live, theta);
    average.update(live, t);
    const double beta = std::min(0.9, (1.0 + t) / (10.0 + t));  // crosses 0.9 at t = 80
    EXPECT_DOUBLE_EQ(average.decayAt(t), beta);
    expected = beta * expected + (1 - beta) * theta;
  }
  for (const auto& p : average.generator().parameters()) {
    EXPECT_FALSE(p.requires_grad());
    EXPECT_NEAR(p.min().item<double>(), expected, 1e-5);
    EXPECT_NEAR(p.max().item<double>(), expected, 1e-5);
  }
}

TEST(WeightAverageTest, AveragesBatchNormsRunningStatisticsAndCopiesItsCounter) {
  models::DcganOptions options;
  options.shape = models::dcganShape({1, 16, 16});
  options.latentDim = 4;
  options.width = 4;
  models::DcganGenerator live(options);
  train::WeightAverage average(std::make_shared<models::DcganGenerator>(options), live, 0.999);
  live.train();
  {
    torch::NoGradGuard guard;
    live.forward(torch::randn({8, 4}));  // moves the running statistics, counts one batch
  }
  average.update(live, 1);
  const double beta = 2.0 / 11.0;  // the warm-up's β_1
  auto liveBuffers = live.named_buffers(), averageBuffers = average.generator().named_buffers();
  int checked = 0;
  for (const auto& b : liveBuffers) {
    const auto& a = averageBuffers[b.key()];
    if (b.key().find("num_batches_tracked") != std::string::npos) {
      EXPECT_EQ(a.item<int64_t>(), 1);
    } else if (b.key().find("running_mean") != std::string::npos) {
      // Started at 0 (a fresh batch norm's mean): (1 − β) of the live one.
      EXPECT_TRUE(torch::allclose(a, (1 - beta) * b.value(), 1e-6, 1e-7)) << b.key();
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(WeightAverageTest, TheTrainerUpdatesItAfterEveryStepAndCheckpointsIt) {
  auto trainer = test::trainerOfPreset("ring8", {"g_ema=0.5"});
  ASSERT_NE(trainer->average(), nullptr);
  std::vector<torch::Tensor> expected;
  for (const auto& p : trainer->generator().parameters()) expected.push_back(p.detach().clone());
  for (int64_t t = 1; t <= 30; ++t) {
    trainer->step();
    const double beta = std::min(0.5, (1.0 + t) / (10.0 + t));
    auto live = trainer->generator().parameters();
    for (size_t i = 0; i < live.size(); ++i) expected[i] = beta * expected[i] + (1 - beta) * live[i].detach();
  }
  auto averaged = trainer->average()->generator().parameters();
  for (size_t i = 0; i < averaged.size(); ++i) EXPECT_TRUE(torch::allclose(averaged[i], expected[i], 1e-5, 1e-6));

  torch::serialize::OutputArchive out;
  trainer->save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  auto restored = test::trainerOfPreset("ring8", {"g_ema=0.5"});
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  restored->load(in);
  auto loaded = restored->average()->generator().parameters();
  for (size_t i = 0; i < loaded.size(); ++i) EXPECT_TRUE(torch::equal(loaded[i], averaged[i]));
}
