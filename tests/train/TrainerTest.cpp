#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/train/Trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using gantry::Config;

namespace {

Config toyConfig(const std::string& preset) {
  Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, preset);
  return config;
}

}  // namespace

TEST(TrainerTest, AlternatingScheduleTakesKDiscriminatorStepsPerGeneratorStep) {
  auto config = toyConfig("ring8");
  config.setAssignment("d_steps=3", "test");
  auto trainer = gantry::app::buildTrainer(config);
  for (int i = 0; i < 5; ++i) trainer->step();
  EXPECT_EQ(trainer->steps(), 5);
  EXPECT_EQ(trainer->data().position(), 15);  // one real batch per D step
}

TEST(TrainerTest, SimultaneousScheduleDrawsOneBatchPerStepWithK1) {
  auto config = toyConfig("ring8");
  config.setAssignment("update=simultaneous", "test");
  auto trainer = gantry::app::buildTrainer(config);
  for (int i = 0; i < 4; ++i) trainer->step();
  EXPECT_EQ(trainer->data().position(), 4);
}

TEST(TrainerTest, SimultaneousStepUsesGradientsAtTheOldParameters) {
  // With plain SGD (no momentum) one simultaneous step must equal
  // θ_D -= lr ∇_D L_D(θ_D, θ_G) and θ_G -= lr ∇_G L_G(θ_D, θ_G), both at the old θ.
  auto config = toyConfig("gaussian1d");
  config.setAssignment("update=simultaneous", "test");
  config.setAssignment("d_steps=1", "test");
  config.setAssignment("optimizer=sgd", "test");
  config.setAssignment("momentum=0", "test");
  config.setAssignment("lr_decay=1", "test");
  config.setAssignment("lr_g=0.1", "test");
  config.setAssignment("lr_d=0.05", "test");
  auto trainer = gantry::app::buildTrainer(config);
  auto& g = trainer->generator();
  auto& d = trainer->discriminator();
  std::vector<torch::Tensor> g0, d0;
  for (auto& p : g.parameters()) g0.push_back(p.detach().clone());
  for (auto& p : d.parameters()) d0.push_back(p.detach().clone());

  // Replay the step's random draws: the real batch, then the noise.
  auto state = at::detail::getDefaultCPUGenerator().get_state();
  auto toy = gantry::app::toyDistribution(config);
  auto real = toy->sample(config.getInt("batch_size"));
  auto z = trainer->prior().sample(config.getInt("batch_size"));
  auto objective = gantry::objectives::makeObjective("nonsaturating");
  auto fakeLogits = d.forward(g.forward(z));
  auto realLogits = d.forward(real);
  auto dGrads = torch::autograd::grad({objective->discriminatorLoss(realLogits, fakeLogits)}, d.parameters(), {}, true);
  auto gGrads = torch::autograd::grad({objective->generatorLoss(fakeLogits)}, g.parameters());
  auto generatorCopy = at::detail::getDefaultCPUGenerator();
  generatorCopy.set_state(state);

  trainer->step();
  auto gp = g.parameters();
  auto dp = d.parameters();
  for (size_t i = 0; i < gp.size(); ++i)
    EXPECT_TRUE(torch::allclose(gp[i], g0[i] - 0.1 * gGrads[i], 1e-5, 1e-6)) << "generator parameter " << i;
  for (size_t i = 0; i < dp.size(); ++i)
    EXPECT_TRUE(torch::allclose(dp[i], d0[i] - 0.05 * dGrads[i], 1e-5, 1e-6)) << "discriminator parameter " << i;
}
