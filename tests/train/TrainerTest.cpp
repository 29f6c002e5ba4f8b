#include "gantry/app/RunSettings.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/objectives/Game.h"
#include "gantry/objectives/Penalty.h"
#include "gantry/train/Trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

using gantry::Config;

namespace {

Config toyConfig(const std::string& preset) {
  Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, preset);
  return config;
}

/// gaussian1d with k = 1 and plain SGD (no momentum, no decay; G's rate
/// 0.1, D's 0.05): one step can be replayed by hand.
Config plainSgdConfig(const std::string& update) {
  auto config = toyConfig("gaussian1d");
  for (const auto* setting : {"d_steps=1", "optimizer=sgd", "momentum=0", "lr_decay=1", "lr_g=0.1", "lr_d=0.05"})
    config.setAssignment(setting, "test");
  config.setAssignment("update=" + update, "test");
  return config;
}

std::vector<torch::Tensor> valuesOf(torch::nn::Module& module) {
  std::vector<torch::Tensor> values;
  for (auto& p : module.parameters()) values.push_back(p.detach().clone());
  return values;
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
  auto config = plainSgdConfig("simultaneous");
  auto trainer = gantry::app::buildTrainer(config);
  auto& g = trainer->generator();
  auto& d = trainer->discriminator();
  auto g0 = valuesOf(g), d0 = valuesOf(d);

  // Replay the step's random draws: the real batch, then the noise.
  auto state = at::detail::getDefaultCPUGenerator().get_state();
  auto toy = gantry::app::toyDistribution(config);
  auto real = toy->sample(config.getInt("batch_size"));
  auto z = trainer->prior().sample(config.getInt("batch_size"));
  auto objective = gantry::objectives::makeObjective("nonsaturating");
  auto fakeLogits = d.forward(g.forward(z)).logits;
  auto realLogits = d.forward(real).logits;
  auto dGrads = torch::autograd::grad({objective->discriminatorLoss(realLogits, fakeLogits)}, d.parameters(), {}, true);
  auto gGrads = torch::autograd::grad({objective->generatorLoss({}, fakeLogits)}, g.parameters());
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

TEST(TrainerTest, AlternatingGeneratorStepSeesTheUpdatedDiscriminator) {
  // One alternating step with plain SGD: θ_D1 = θ_D0 - lr ∇_D L_D(θ_D0, θ_G0),
  // then θ_G1 = θ_G0 - lr ∇_G L_G(θ_D1, θ_G0). D's update runs late (beside
  // G's forward pass, see Trainer::besidePendingUpdate), but before G's
  // gradient reads D; with overlap on, on another thread.
  // Every core of the machine: the overlapped pass needs a second one.
  gantry::test::ScopedEnv machine("OMP_NUM_THREADS", nullptr);
  for (bool overlap : {false, true}) {
    SCOPED_TRACE(overlap ? "overlapped" : "serial");
    auto config = plainSgdConfig("alternating");
    config.set("overlap", overlap, "test");
    auto trainer = gantry::app::buildTrainer(config);
    auto& g = trainer->generator();
    auto& d = trainer->discriminator();
    auto g0 = valuesOf(g), d0 = valuesOf(d);

    // Replay the draws: the real batch, D's noise, then G's noise.
    const int64_t n = config.getInt("batch_size");
    auto state = at::detail::getDefaultCPUGenerator().get_state();
    auto real = gantry::app::toyDistribution(config)->sample(n);
    auto zD = trainer->prior().sample(n);
    auto zG = trainer->prior().sample(n);
    auto objective = gantry::objectives::makeObjective("nonsaturating");
    torch::Tensor fakeD;
    {
      torch::NoGradGuard noGrad;
      fakeD = g.forward(zD);
    }
    auto dGrads = torch::autograd::grad({objective->discriminatorLoss(d.forward(real).logits, d.forward(fakeD).logits)},
                                        d.parameters());
    std::vector<torch::Tensor> d1;
    for (size_t i = 0; i < d0.size(); ++i) d1.push_back(d0[i] - 0.05 * dGrads[i]);
    // G's loss through D at θ_D1: evaluate D with the updated weights.
    auto dParams = d.parameters();
    {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < dParams.size(); ++i) dParams[i].copy_(d1[i]);
    }
    auto gGrads =
        torch::autograd::grad({objective->generatorLoss({}, d.forward(g.forward(zG)).logits)}, g.parameters());
    {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < dParams.size(); ++i) dParams[i].copy_(d0[i]);
    }
    auto cpuGenerator = at::detail::getDefaultCPUGenerator();
    cpuGenerator.set_state(state);

    trainer->step();
    auto gp = g.parameters();
    auto dp = d.parameters();
    for (size_t i = 0; i < dp.size(); ++i)
      EXPECT_TRUE(torch::allclose(dp[i], d1[i], 1e-5, 1e-6)) << "discriminator parameter " << i;
    for (size_t i = 0; i < gp.size(); ++i)
      EXPECT_TRUE(torch::allclose(gp[i], g0[i] - 0.1 * gGrads[i], 1e-5, 1e-6)) << "generator parameter " << i;
  }
}

TEST(TrainerTest, OverlappedTrainingIsBitForBitTheSerialOne) {
  // Schedules where D's update waits for the next G forward pass (k = 2:
  // also for the next D step's), the simultaneous update after a D step,
  // dropout in D, and bf16 autocast (plain layers).
  const std::vector<std::vector<std::string>> cases = {
      {"d_steps=2", "d_hidden_keep=0.7"}, {"update=simultaneous", "d_steps=2"}, {"precision=bf16"}};
  gantry::test::ScopedEnv machine("OMP_NUM_THREADS", nullptr);  // the helper needs a second core
  for (const auto& assignments : cases) {
    SCOPED_TRACE(assignments.front());
    auto train = [&](bool overlap) {
      auto config = toyConfig("ring8");
      for (const auto& a : assignments) config.setAssignment(a, "test");
      config.set("overlap", overlap, "test");
      torch::manual_seed(config.getInt("seed"));
      auto trainer = gantry::app::buildTrainer(config);
      gantry::Figures stats;
      for (int i = 0; i < 20; ++i) stats = trainer->step();
      std::vector<torch::Tensor> state;
      for (const char* name : {"d_loss", "g_loss", "d_real", "d_fake", "value"}) state.push_back(stats.get(name));
      for (const auto& p : trainer->generator().parameters()) state.push_back(p.detach().clone());
      for (const auto& p : trainer->discriminator().parameters()) state.push_back(p.detach().clone());
      return state;
    };
    auto serial = train(false);
    auto overlapped = train(true);
    ASSERT_EQ(serial.size(), overlapped.size());
    for (size_t i = 0; i < serial.size(); ++i) EXPECT_TRUE(torch::equal(serial[i], overlapped[i])) << "value " << i;
  }
}

TEST(TrainerTest, UnderBf16GeneratedSamplesAndTheirPenaltyStayFloat32) {
  // Autocast leaves G's last product in bfloat16; the samples G hands on
  // are widened, so that R2, which differentiates D at them, and instance
  // noise work in float32 as the real batch's do. Before, every R2 figure
  // was a bfloat16 number (its low 16 bits zero).
  auto config = toyConfig("ring8");
  for (const auto* setting : {"precision=bf16", "penalty=r2"}) config.setAssignment(setting, "test");
  auto trainer = gantry::app::buildTrainer(config);
  auto& arena = trainer->arena();
  EXPECT_EQ(arena.generate(arena.noise(), /*withGraph=*/true).samples.scalar_type(), torch::kFloat32);
  int narrow = 0;
  for (int i = 0; i < 8; ++i) {
    const float penalty = trainer->step().get("penalty").item<float>();
    narrow += penalty == torch::tensor(penalty).to(torch::kBFloat16).item<float>();
  }
  EXPECT_EQ(narrow, 0) << "R2 figures that are bfloat16 numbers (by chance: about 1 in 65,536)";
}

TEST(TrainerTest, ADeferredDiscriminatorUpdateKeepsTheEpochOfItsBatch) {
  // k = 2: the first D step's update waits, and runs inside the second D
  // step, after that step has recorded its own schedule point. When the
  // first batch is the epoch's last, the two points differ: its update must
  // use the momentum of the epoch its batch was drawn in (0.5), not the
  // next one's (0.7).
  auto config = toyConfig("ring8");
  for (const auto* setting :
       {"d_steps=2", "optimizer=sgd", "momentum=0.5", "momentum_final=0.7", "momentum_start=0", "momentum_end=1"})
    config.setAssignment(setting, "test");
  auto trainer = gantry::app::buildTrainer(config);
  auto& arena = trainer->arena();
  auto& d = arena.player(gantry::train::Side::Discriminator);
  auto momentum = [&] {
    return static_cast<torch::optim::SGDOptions&>(d.optimizer().param_groups().front().options()).momentum();
  };
  arena.data().seek(arena.data().batchesPerEpoch() - 1);
  arena.beginStep();
  arena.discriminatorStep();
  ASSERT_EQ(arena.completedEpochs(), 1);
  arena.discriminatorStep();  // the first update ran, the second waits
  EXPECT_DOUBLE_EQ(momentum(), 0.5);
  arena.settle();
  EXPECT_DOUBLE_EQ(momentum(), 0.7);
}

TEST(TrainerTest, AJointUpdateAfterADeferredOneKeepsItsOwnEpoch) {
  // k = 2 under a rule that steps D from a pass of its own: the plain D
  // step's update waits and runs inside that pass, after the rule has
  // recorded D's schedule point. When the plain step's batch is the epoch's
  // last, the joint update belongs to the next epoch (0.7) and must keep it
  // after the deferred update has taken its own (0.5).
  for (const char* rule : {"simultaneous", "optimistic", "extragradient", "consensus", "unrolled"}) {
    SCOPED_TRACE(rule);
    auto config = toyConfig("ring8");
    for (const auto* setting :
         {"d_steps=2", "optimizer=sgd", "momentum=0.5", "momentum_final=0.7", "momentum_start=0", "momentum_end=1"})
      config.setAssignment(setting, "test");
    config.setAssignment(std::string("update=") + rule, "test");
    auto trainer = gantry::app::buildTrainer(config);
    auto& arena = trainer->arena();
    auto& d = arena.player(gantry::train::Side::Discriminator);
    arena.data().seek(arena.data().batchesPerEpoch() - 1);
    trainer->step();
    ASSERT_GE(arena.completedEpochs(), 1);
    EXPECT_DOUBLE_EQ(static_cast<torch::optim::SGDOptions&>(d.optimizer().param_groups().front().options()).momentum(),
                     0.7);
  }
}

class TrainerPenaltyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainerPenaltyTest, DiscriminatorDescendsItsLossPlusTheWeightedPenalty) {
  // One simultaneous plain-SGD step: θ_D -= lr ∇_D (L_D + w·P), θ_G -= lr ∇_G L_G,
  // all at the old parameters, with the penalty on the same real and
  // generated batch (and, for gp, the next draw of the generator: ε).
  const std::string penalty = GetParam();
  const double weight = 3.0;
  auto config = toyConfig("gaussian1d");
  for (const auto& setting : {"update=simultaneous", "d_steps=1", "optimizer=sgd", "momentum=0", "lr_decay=1",
                              "lr_g=0.1", "lr_d=0.05", "penalty_weight=3"})
    config.setAssignment(setting, "test");
  config.setAssignment("penalty=" + penalty, "test");
  auto trainer = gantry::app::buildTrainer(config);
  auto& g = trainer->generator();
  auto& d = trainer->discriminator();
  std::vector<torch::Tensor> d0;
  for (auto& p : d.parameters()) d0.push_back(p.detach().clone());

  auto state = at::detail::getDefaultCPUGenerator().get_state();
  const int64_t n = config.getInt("batch_size");
  auto real = gantry::app::toyDistribution(config)->sample(n);
  auto z = trainer->prior().sample(n);
  auto fake = g.forward(z);
  auto objective = gantry::objectives::makeObjective("nonsaturating");
  auto loss = objective->discriminatorLoss(d.forward(real).logits, d.forward(fake).logits);
  auto term = gantry::objectives::makePenalty(penalty)->compute(d, {real, {}}, {fake.detach(), {}});
  auto dGrads = torch::autograd::grad({loss + weight * term}, d.parameters(), {}, /*retain_graph=*/true);
  auto plainGrads = torch::autograd::grad({loss}, d.parameters());
  auto defaultGenerator = at::detail::getDefaultCPUGenerator();
  defaultGenerator.set_state(state);

  trainer->step();
  auto dp = d.parameters();
  bool penaltyMattered = false;
  for (size_t i = 0; i < dp.size(); ++i) {
    EXPECT_TRUE(torch::allclose(dp[i], d0[i] - 0.05 * dGrads[i], 1e-5, 1e-6)) << "discriminator parameter " << i;
    penaltyMattered = penaltyMattered || !torch::allclose(dp[i], d0[i] - 0.05 * plainGrads[i], 1e-5, 1e-6);
  }
  EXPECT_TRUE(penaltyMattered) << "the step is the same as without the penalty";
}

INSTANTIATE_TEST_SUITE_P(Penalties, TrainerPenaltyTest, ::testing::Values("r1", "r2", "gp"));

TEST(TrainerTest, WganClipsEveryCriticWeightAfterEachUpdate) {
  auto config = toyConfig("ring8");
  config.setAssignment("objective=wgan", "test");
  config.setAssignment("weight_clip=0.02", "test");
  auto trainer = gantry::app::buildTrainer(config);
  double before = 0;
  for (auto& p : trainer->discriminator().parameters()) before = std::max(before, p.abs().max().item<double>());
  ASSERT_GT(before, 0.02) << "the initial weights should need clipping";
  trainer->step();
  double after = 0;
  for (auto& p : trainer->discriminator().parameters()) after = std::max(after, p.abs().max().item<double>());
  EXPECT_FLOAT_EQ(after, 0.02);
  // The generator is not clipped.
  double g = 0;
  for (auto& p : trainer->generator().parameters()) g = std::max(g, p.abs().max().item<double>());
  EXPECT_GT(g, 0.02);
}

TEST(TrainerTest, WganGpImpliesTheGradientPenaltyAndRefusesAnother) {
  auto gameOf = [](const Config& config) {
    return gantry::objectives::buildGame(gantry::app::readSettings(config).game);
  };
  auto config = toyConfig("ring8");
  config.setAssignment("objective=wgan-gp", "test");
  auto penalties = gameOf(config).penalties;
  ASSERT_EQ(penalties.size(), 1u);
  EXPECT_EQ(penalties[0].penalty->name(), "gp");
  EXPECT_EQ(penalties[0].weight, 10.0);
  config.setAssignment("penalty=r1", "test");
  auto message = gantry::test::userErrorOf([&] { gameOf(config); });
  EXPECT_NE(message.find("'penalty'"), std::string::npos) << message;
  EXPECT_NE(message.find("wgan-gp"), std::string::npos) << message;

  auto wgan = toyConfig("ring8");
  wgan.setAssignment("objective=wgan", "test");
  EXPECT_TRUE(gameOf(wgan).penalties.empty());
}

TEST(TrainerTest, WganWithoutClippingLeavesTheCriticUnconstrained) {
  // weight_clip = 0: the critic's weights are not clipped (the bilinear
  // game of the Dirac-GAN needs an unconstrained critic).
  auto config = toyConfig("ring8");
  config.setAssignment("objective=wgan", "test");
  config.setAssignment("weight_clip=0", "test");
  auto trainer = gantry::app::buildTrainer(config);
  std::vector<torch::Tensor> before;
  for (auto& p : trainer->discriminator().parameters()) before.push_back(p.detach().clone());
  trainer->step();
  double largest = 0;
  bool moved = false;
  auto after = trainer->discriminator().parameters();
  for (size_t i = 0; i < after.size(); ++i) {
    largest = std::max(largest, after[i].abs().max().item<double>());
    moved = moved || !torch::equal(after[i], before[i]);
  }
  EXPECT_TRUE(moved);
  EXPECT_GT(largest, 0.05) << "the default clip of 0.01 would bound every weight";
}

TEST(TrainerTest, InstanceNoiseReachesDiscriminatorInputsAndAnneals) {
  // With noise of std 100 on its inputs D sees mostly noise: the logged
  // D(x) and D(G(z)) of the first step differ from a noiseless run's.
  auto config = toyConfig("ring8");
  auto plain = gantry::app::buildTrainer(config);
  auto plainStats = plain->step();
  config.setAssignment("instance_noise=100", "test");
  config.setAssignment("instance_noise_anneal=2", "test");
  auto noisy = gantry::app::buildTrainer(config);
  auto noisyStats = noisy->step();
  EXPECT_GT(std::abs(noisyStats.get("d_real").item<double>() - plainStats.get("d_real").item<double>()), 1e-3);
  EXPECT_DOUBLE_EQ(noisy->game().instanceNoise.stdAt(1), 50.0);
  EXPECT_DOUBLE_EQ(noisy->game().instanceNoise.stdAt(2), 0.0);
}
