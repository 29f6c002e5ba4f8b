// Feature matching (Salimans et al. 2016): G's loss ‖E f(x) − E f(G(z))‖²,
// by hand, and G's update under it.
#include "gantry/core/Error.h"
#include "gantry/objectives/FeatureMatching.h"
#include "gantry/train/Trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

using gantry::objectives::FeatureMatching;

TEST(FeatureMatchingTest, SquaredDistanceOfTheBatchMeansByHand) {
  FeatureMatching matching{true};
  auto real = torch::tensor({{1.0, 2.0}, {3.0, 4.0}}).requires_grad_();              // mean (2, 3)
  auto fake = torch::tensor({{0.0, 0.0}, {2.0, 2.0}, {1.0, 1.0}}).requires_grad_();  // mean (1, 1)
  auto loss = matching(real, fake);
  EXPECT_NEAR(loss.item<double>(), 1.0 + 4.0, 1e-6);
  loss.backward();
  // d/d fake_i = −2 (target − mean) / N: (−2/3, −4/3) for every sample; the target gets none.
  EXPECT_TRUE(torch::allclose(fake.grad(), torch::tensor({{-2.0 / 3, -4.0 / 3}}).expand({3, 2})));
  EXPECT_FALSE(real.grad().defined());
}

TEST(FeatureMatchingTest, GsStepDescendsTheMatchingLossThroughD) {
  // With plain SGD, G's step is θ − η ∇L_FM: recomputed here from D's
  // features on the step's own batches.
  auto trainer = gantry::test::trainerOfPreset(
      "ring8", {"feature_matching=true", "optimizer=sgd", "momentum=0", "momentum_final=0", "lr_g=0.05"});
  for (int i = 0; i < 10; ++i) trainer->step();
  auto& arena = trainer->arena();
  arena.beginStep();
  arena.discriminatorStep();
  arena.settle();
  const auto real = arena.realBatch();  // becomes the step's last real batch, as G's loss reads it
  // The noise G's step will draw, drawn here from the same state.
  auto cpu = at::detail::getDefaultCPUGenerator();
  const auto rng = cpu.get_state();
  auto noise = arena.noise();
  cpu.set_state(rng);

  auto& g = arena.generator();
  auto& d = arena.discriminator();
  std::vector<torch::Tensor> before;
  for (const auto& p : g.parameters()) before.push_back(p.detach().clone());
  auto fake = g.forward(noise.z, noise.labels);
  auto expectedLoss = FeatureMatching{true}(d.forward(real.samples).features, d.forward(fake).features);
  auto grads = torch::autograd::grad({expectedLoss}, g.parameters());
  arena.generatorStep();
  const auto figures = arena.endStep();

  EXPECT_NEAR(figures.get("g_loss").item<double>(), expectedLoss.item<double>(), 1e-6);
  EXPECT_GT(expectedLoss.item<double>(), 1e-6);
  auto params = g.parameters();
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_TRUE(torch::allclose(params[i].detach(), before[i] - 0.05 * grads[i], 1e-5, 1e-7)) << i;
}

TEST(FeatureMatchingTest, AModelWithoutFeaturesIsRefusedNamingTheKey) {
  try {
    gantry::test::trainerOfPreset("dirac", {"feature_matching=true"});
    FAIL() << "expected a UserError";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("feature_matching"), std::string::npos) << e.what();
  }
}
