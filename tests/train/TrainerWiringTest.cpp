// Regression net for the trainer's wiring, written against c3720e2 before the
// redesign of the source tree: what each config key does to a training step,
// checked by replaying steps by hand.
//
// To stay portable these tests use only gantry::app::trainingSchema(),
// applyPreset, Config::setAssignment, buildTrainer, Trainer::step() and the
// players' parameters (plus LibTorch's default CPU generator). Gradients are
// not recomputed from library internals: a "probe" trainer of the same
// config, but plain SGD with a huge rate, takes one step from the parameters
// and random state under test, and its parameter change divided by the rate
// is the gradient the trainer computes there (see gradientsAt).
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "TestSupport.h"

using gantry::Config;

namespace {

using Values = std::vector<torch::Tensor>;

Config presetConfig(const std::string& preset, const std::vector<std::string>& assignments) {
  Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, preset);
  for (const auto& a : assignments) config.setAssignment(a, "test");
  return config;
}

/// The module's parameters as float64 copies.
Values valuesOf(torch::nn::Module& module) {
  Values values;
  for (auto& p : module.parameters()) values.push_back(p.detach().to(torch::kFloat64).clone());
  return values;
}

void setValues(torch::nn::Module& module, const Values& values) {
  torch::NoGradGuard noGrad;
  auto parameters = module.parameters();
  ASSERT_EQ(parameters.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) parameters[i].copy_(values[i]);
}

torch::Tensor rngState() { return at::detail::getDefaultCPUGenerator().get_state(); }
void setRngState(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(state);
}

Values minus(const Values& a, const Values& b) {
  Values out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(a[i] - b[i]);
  return out;
}

Values scaled(const Values& a, double factor) {
  Values out;
  for (const auto& t : a) out.push_back(t * factor);
  return out;
}

double dot(const Values& a, const Values& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] * b[i]).sum().item<double>();
  return sum;
}

double maxAbs(const Values& a) {
  double m = 0;
  for (const auto& t : a) m = std::max(m, t.abs().max().item<double>());
  return m;
}

double maxAbsDifference(const Values& a, const Values& b) { return maxAbs(minus(a, b)); }

struct Gradients {
  Values d, g;
  torch::Tensor rngAfter;  // the CPU generator's state after the step's draws
};

/// The gradients a trainer of `config` computes in a simultaneous step (k = 1)
/// at the players' values `d` and `g`, with the CPU generator in `state`: one
/// step of a probe trainer of the same config with plain SGD at rate 2^20,
/// θ' = θ - 2^20 ∇, so ∇ = (θ - θ') / 2^20. A power of two scales exactly,
/// and with the step that large θ' is rounded relative to 2^20 ∇, so the
/// recovered gradient carries about float32's relative precision (2^-24).
/// The probe never clips (weight_clip 1e30). Leaves the CPU generator
/// wherever the probe left it.
Gradients gradientsAt(Config config, const Values& d, const Values& g, const torch::Tensor& state) {
  const double rate = 1048576.0;  // 2^20
  for (const auto* a : {"optimizer=sgd", "momentum=0", "momentum_final=0", "momentum_start=0", "momentum_end=0",
                        "lr_decay=1", "lr_min=0", "update=simultaneous", "d_steps=1", "weight_clip=1e30"})
    config.setAssignment(a, "probe");
  config.setAssignment("lr_d=" + std::to_string(rate), "probe");
  config.setAssignment("lr_g=" + std::to_string(rate), "probe");
  auto probe = gantry::app::buildTrainer(config);
  setValues(probe->discriminator(), d);
  setValues(probe->generator(), g);
  setRngState(state);
  probe->step();
  Gradients out;
  out.rngAfter = rngState();
  out.d = scaled(minus(d, valuesOf(probe->discriminator())), 1.0 / rate);
  out.g = scaled(minus(g, valuesOf(probe->generator())), 1.0 / rate);
  return out;
}

/// Least-squares factor f of actual ≈ f · reference.
double factorOf(const Values& actual, const Values& reference) {
  return dot(actual, reference) / dot(reference, reference);
}

}  // namespace

TEST(TrainerWiringTest, SgdMomentumFollowsTheRampByCompletedEpochs) {
  // Toy data: an epoch is 100 batches, and a simultaneous step with k = 1
  // draws one, so step s (0-based) runs in epoch floor(s / 100). Ramp
  // 0.1 -> 0.9 over epochs 1..3: 0.1 in epochs 0 and 1, 0.5 in epoch 2, 0.9
  // from epoch 3. LibTorch's SGD: b_s = m·b_{s-1} + ∇_s, θ_{s+1} = θ_s - lr·b_s,
  // so with the rate constant m = <-Δ_s/lr - ∇_s, b_{s-1}> / |b_{s-1}|², with
  // b_{s-1} = -Δ_{s-1}/lr, for each player.
  auto config = presetConfig("gaussian1d", {"g_hidden=16,16", "d_hidden=32,32", "update=simultaneous", "d_steps=1",
                                            "optimizer=sgd", "lr_decay=1", "lr_d=0.02", "lr_g=0.01", "momentum=0.1",
                                            "momentum_final=0.9", "momentum_start=1", "momentum_end=3"});
  const std::map<int64_t, double> expected = {{99, 0.1}, {199, 0.1}, {200, 0.5}, {299, 0.5}, {300, 0.9}};
  auto trainer = gantry::app::buildTrainer(config);
  Values previousD, previousG;  // Δ of the previous step
  while (trainer->steps() <= 300) {
    const int64_t s = trainer->steps();
    auto d0 = valuesOf(trainer->discriminator()), g0 = valuesOf(trainer->generator());
    auto it = expected.find(s);
    Gradients grad;
    auto state = rngState();
    if (it != expected.end()) {
      grad = gradientsAt(config, d0, g0, state);
      setRngState(state);
    }
    trainer->step();
    auto dDelta = minus(valuesOf(trainer->discriminator()), d0), gDelta = minus(valuesOf(trainer->generator()), g0);
    if (it != expected.end()) {
      SCOPED_TRACE("step " + std::to_string(s));
      // -Δ_s/lr - ∇_s = m·b_{s-1} = m·(-Δ_{s-1}/lr).
      double mD = factorOf(minus(scaled(dDelta, -1 / 0.02), grad.d), scaled(previousD, -1 / 0.02));
      double mG = factorOf(minus(scaled(gDelta, -1 / 0.01), grad.g), scaled(previousG, -1 / 0.01));
      std::cout << "[ figures  ] step " << s << ": momentum D " << mD << ", G " << mG << " (ramp " << it->second
                << ")\n";
      // The estimates come out within 1e-5 of the ramp (float32 rounding of
      // θ over the changes lr·b); 0.01 is far below the 0.4 between the
      // ramp's values, so an epoch off by one fails.
      EXPECT_NEAR(mD, it->second, 0.01);
      EXPECT_NEAR(mG, it->second, 0.01);
    }
    previousD = dDelta;
    previousG = gDelta;
  }
}

TEST(TrainerWiringTest, LearningRatesDecayPerStepToTheirFloorAsApplied) {
  // Plain SGD (no momentum): Δ_s = -lr_s ∇_s with lr_s = max(lr / 1.05^s,
  // lr_min), s = steps before this one. lr_min = 0.02 / 1.05^3.5: D's rate
  // (0.02) reaches the floor at step 4, G's (0.04) at step 18.
  const double floor = 0.02 / std::pow(1.05, 3.5);
  auto config = presetConfig("gaussian1d", {"update=simultaneous", "d_steps=1", "optimizer=sgd", "momentum=0",
                                            "lr_d=0.02", "lr_g=0.04", "lr_decay=1.05"});
  config.setAssignment("lr_min=" + fmt::format("{:.17g}", floor), "test");
  auto trainer = gantry::app::buildTrainer(config);
  const std::vector<int64_t> checked = {0, 1, 3, 4, 5, 17, 18, 19};
  while (trainer->steps() <= checked.back()) {
    const int64_t s = trainer->steps();
    auto d0 = valuesOf(trainer->discriminator()), g0 = valuesOf(trainer->generator());
    auto state = rngState();
    bool check = std::find(checked.begin(), checked.end(), s) != checked.end();
    Gradients grad;
    if (check) {
      grad = gradientsAt(config, d0, g0, state);
      setRngState(state);
    }
    trainer->step();
    if (!check) continue;
    SCOPED_TRACE("step " + std::to_string(s));
    double lrD = -factorOf(minus(valuesOf(trainer->discriminator()), d0), grad.d);
    double lrG = -factorOf(minus(valuesOf(trainer->generator()), g0), grad.g);
    double expectedD = std::max(0.02 / std::pow(1.05, s), floor);
    double expectedG = std::max(0.04 / std::pow(1.05, s), floor);
    // Float32 rounding of θ and of the recovered gradient: far below 1e-4
    // relative; a rate one step off is 5% off.
    EXPECT_NEAR(lrD / expectedD, 1.0, 1e-4) << lrD << " vs " << expectedD;
    EXPECT_NEAR(lrG / expectedG, 1.0, 1e-4) << lrG << " vs " << expectedG;
  }
}

TEST(TrainerWiringTest, AdamUsesTheConfiguredBetas) {
  // Two simultaneous steps with Adam (β1 0.3, β2 0.7), replayed by hand with
  // LibTorch's Adam: m = β1 m + (1-β1)∇, v = β2 v + (1-β2)∇²,
  // θ -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + 1e-8). The first step does
  // not depend on the betas (m̂ = ∇, v̂ = ∇²); the second does.
  auto config = presetConfig("gaussian1d", {"update=simultaneous", "d_steps=1", "optimizer=adam", "adam_beta1=0.3",
                                            "adam_beta2=0.7", "lr_decay=1", "lr_d=1e-3", "lr_g=1e-3"});
  auto trainer = gantry::app::buildTrainer(config);
  auto d0 = valuesOf(trainer->discriminator()), g0 = valuesOf(trainer->generator());
  auto state = rngState();
  auto first = gradientsAt(config, d0, g0, state);
  setRngState(state);
  trainer->step();
  auto d1 = valuesOf(trainer->discriminator()), g1 = valuesOf(trainer->generator());
  state = rngState();
  auto second = gradientsAt(config, d1, g1, state);
  setRngState(state);
  trainer->step();
  auto d2 = valuesOf(trainer->discriminator()), g2 = valuesOf(trainer->generator());

  auto adam = [](const Values& theta, const Values& grad1, const Values& grad2, double b1, double b2) {
    const double lr = 1e-3, eps = 1e-8;
    Values out;
    for (size_t i = 0; i < theta.size(); ++i) {
      auto m = b1 * (1 - b1) * grad1[i] + (1 - b1) * grad2[i];
      auto v = b2 * (1 - b2) * grad1[i] * grad1[i] + (1 - b2) * grad2[i] * grad2[i];
      out.push_back(theta[i] - lr / (1 - b1 * b1) * m / (v.sqrt() / std::sqrt(1 - b2 * b2) + eps));
    }
    return out;
  };
  // Tolerance: θ is float32 (|θ| <= 1 here: ulp <= 1.2e-7) and LibTorch
  // computes the update in float32 (a few ulps of a step of about lr = 1e-3).
  const double tolerance = 5e-7;
  for (int player = 0; player < 2; ++player) {
    SCOPED_TRACE(player == 0 ? "discriminator" : "generator");
    const auto& theta1 = player == 0 ? d1 : g1;
    const auto& theta2 = player == 0 ? d2 : g2;
    const auto& grad1 = player == 0 ? first.d : first.g;
    const auto& grad2 = player == 0 ? second.d : second.g;
    auto configured = adam(theta1, grad1, grad2, 0.3, 0.7);
    auto defaults = adam(theta1, grad1, grad2, 0.5, 0.999);
    std::cout << "[ figures  ] " << (player == 0 ? "D" : "G") << ": |actual - configured betas| "
              << maxAbsDifference(theta2, configured) << ", |actual - default betas| "
              << maxAbsDifference(theta2, defaults) << "\n";
    EXPECT_LT(maxAbsDifference(theta2, configured), tolerance);
    EXPECT_GT(maxAbsDifference(theta2, defaults), 100 * tolerance) << "the betas make no difference here";
  }
}

TEST(TrainerWiringTest, WganClipsTheCriticAfterEachOfItsKUpdates) {
  // objective = wgan, k = 3, plain SGD: D after one step is (update, clip)
  // three times, each update's gradient taken at the clipped weights and with
  // the draws of that D update (a real batch, then G's noise), G unchanged.
  // Three updates and one clip at the end give other weights.
  const double clip = 0.05, lr = 0.05;
  auto config = presetConfig(
      "ring8", {"g_hidden=16", "d_hidden=16,16", "objective=wgan", "weight_clip=0.05", "d_steps=3",
                "update=alternating", "optimizer=sgd", "momentum=0", "lr_decay=1", "lr_d=0.05", "lr_g=0.05"});
  auto trainer = gantry::app::buildTrainer(config);
  auto d0 = valuesOf(trainer->discriminator()), g0 = valuesOf(trainer->generator());
  const auto start = rngState();
  auto replay = [&](bool clipEach) {
    Values d = d0;
    auto state = start;
    for (int update = 0; update < 3; ++update) {
      auto grad = gradientsAt(config, d, g0, state);
      state = grad.rngAfter;
      for (size_t i = 0; i < d.size(); ++i) {
        d[i] = (d[i] - lr * grad.d[i]).to(torch::kFloat32).to(torch::kFloat64);
        if (clipEach) d[i] = d[i].clamp(-clip, clip);
      }
    }
    if (!clipEach)
      for (auto& t : d) t = t.clamp(-clip, clip);
    return d;
  };
  auto eachUpdate = replay(true);
  auto onceAtTheEnd = replay(false);
  setRngState(start);
  trainer->step();
  auto actual = valuesOf(trainer->discriminator());
  std::cout << "[ figures  ] |actual - clip after each| " << maxAbsDifference(actual, eachUpdate)
            << ", |actual - clip once| " << maxAbsDifference(actual, onceAtTheEnd) << "\n";
  // Weights within ±0.05, updates of lr·∇: float32 rounding is below 1e-8;
  // 1e-6 also allows for the replay's separate rounding of θ - lr·∇.
  EXPECT_LT(maxAbsDifference(actual, eachUpdate), 1e-6);
  EXPECT_GT(maxAbsDifference(actual, onceAtTheEnd), 1e-3);
  EXPECT_LE(maxAbs(actual), static_cast<double>(static_cast<float>(clip)));
}

namespace {

/// gaussian1d's D with d_hidden = 2,2 set to the linear function D(x) = c·x:
/// with leaky ReLU ρ of slope α, ρ(u) - ρ(-u) = (1+α)u, so layer 1 computes
/// ρ(x), ρ(-x); layer 2 ρ(y), ρ(-y) with y = (1+α)x; the output a·(ρ(y) -
/// ρ(-y)) = a(1+α)²x. α = 0.2 (d_activation = leaky_relu). Parameters are
/// found by shape, biases are zero.
void makeLinear(torch::nn::Module& d, double c) {
  torch::NoGradGuard noGrad;
  const double a = c / (1.2 * 1.2);
  for (auto& p : d.parameters()) {
    if (p.sizes() == torch::IntArrayRef{2, 1})
      p.copy_(torch::tensor({{1.0}, {-1.0}}));
    else if (p.sizes() == torch::IntArrayRef{2, 2})
      p.copy_(torch::tensor({{1.0, -1.0}, {-1.0, 1.0}}));
    else if (p.sizes() == torch::IntArrayRef{1, 2})
      p.copy_(torch::tensor({{a, -a}}));
    else
      p.zero_();
  }
}

}  // namespace

TEST(TrainerWiringTest, OneSidedGradientPenaltyActsOnlyWhereTheSlopeExceedsOne) {
  // One simultaneous plain-SGD step with penalty = gp on a critic whose slope
  // is c everywhere. Slope 3 > 1: one-sided and two-sided penalties are the
  // same function there, so the steps are identical bit for bit (and not the
  // step without penalty). Slope 1/3 < 1: the one-sided penalty and its
  // gradient are 0, so the step is the one without penalty (up to the
  // rounding of D's other forward path), and the two-sided one is not.
  auto stepWith = [](const std::string& penalty, bool oneSided, double c) {
    auto config =
        presetConfig("gaussian1d", {"update=simultaneous", "d_steps=1", "optimizer=sgd", "momentum=0", "lr_decay=1",
                                    "lr_g=0.1", "lr_d=0.05", "d_hidden=2,2", "penalty_weight=1"});
    config.setAssignment("penalty=" + penalty, "test");
    config.setAssignment(std::string("gp_one_sided=") + (oneSided ? "true" : "false"), "test");
    auto trainer = gantry::app::buildTrainer(config);
    makeLinear(trainer->discriminator(), c);
    trainer->step();
    auto values = valuesOf(trainer->discriminator());
    for (auto& g : valuesOf(trainer->generator())) values.push_back(g);
    return values;
  };
  {
    SCOPED_TRACE("slope 3");
    auto none = stepWith("none", false, 3), two = stepWith("gp", false, 3), one = stepWith("gp", true, 3);
    gantry::test::expectIdenticalTensors(one, two);
    EXPECT_GT(maxAbsDifference(one, none), 1e-3) << "the penalty did nothing";
  }
  {
    SCOPED_TRACE("slope 1/3");
    auto none = stepWith("none", false, 1.0 / 3), two = stepWith("gp", false, 1.0 / 3),
         one = stepWith("gp", true, 1.0 / 3);
    // Parameters of order 1 stepped by 0.05·∇: float32 rounding of the other
    // forward path stays below 1e-6.
    std::cout << "[ figures  ] slope 1/3: |one-sided - none| " << maxAbsDifference(one, none) << ", |two-sided - none| "
              << maxAbsDifference(two, none) << "\n";
    EXPECT_LT(maxAbsDifference(one, none), 1e-6);
    EXPECT_GT(maxAbsDifference(two, none), 1e-3) << "the two-sided penalty did nothing";
  }
}

TEST(TrainerWiringTest, InstanceNoiseIsAddedToBothInputsOfDWithTheAnnealedStd) {
  // ring8 with a critic that is linear in its input (d_hidden = 1, the unit
  // kept in the linear part of its leaky ReLU by a bias of 100), objective
  // wgan (loss mean D(fake) - mean D(real), clip far away), plain SGD,
  // simultaneous k = 1. Then D's weight gradients are ∂L/∂W1_j = w2·(mean
  // x̃_fake,j - mean x̃_real,j), ∂L/∂w2 = Σ_j W1_j (mean x̃_fake,j - mean
  // x̃_real,j): noise n on the inputs adds w2·σ_t·(mean n_fake - mean
  // n_real). The clean gradient comes from a noise-free probe, which also
  // gives the generator's state after the step's data and latent draws;
  // the noise draws follow: N(0,1) [128, 2] for the real batch, then for
  // the generated one. σ_t = 2·(1 - t/4), t = steps before.
  const double lr = 0.01, sigma0 = 2.0;
  auto config = presetConfig(
      "ring8", {"d_hidden=1", "objective=wgan", "weight_clip=1e9", "update=simultaneous", "d_steps=1", "optimizer=sgd",
                "momentum=0", "lr_decay=1", "lr_d=0.01", "lr_g=0", "instance_noise=2", "instance_noise_anneal=4"});
  auto clean = config;
  clean.setAssignment("instance_noise=0", "test");
  auto trainer = gantry::app::buildTrainer(config);
  {
    torch::NoGradGuard noGrad;
    for (auto& p : trainer->discriminator().parameters()) {
      if (p.dim() == 2)
        p.fill_(1.0);  // W1 [1, 2], w2 [1, 1]
      else
        p.fill_(100.0);  // both biases: their gradients are 0 under wgan
    }
  }
  const int64_t n = config.getInt("batch_size");
  for (int64_t t = 0; t <= 4; ++t) {
    SCOPED_TRACE("step " + std::to_string(t));
    const double sigma = sigma0 * (1.0 - t / 4.0);
    auto d0 = valuesOf(trainer->discriminator()), g0 = valuesOf(trainer->generator());
    auto state = rngState();
    auto grad = gradientsAt(clean, d0, g0, state);
    setRngState(grad.rngAfter);
    auto noiseReal = torch::randn({n, 2}, torch::kFloat32).to(torch::kFloat64);
    auto noiseFake = torch::randn({n, 2}, torch::kFloat32).to(torch::kFloat64);
    auto shift = sigma * (noiseFake.mean(0) - noiseReal.mean(0));  // [2]
    Values expected;
    for (const auto& p : d0) {
      if (p.sizes() == torch::IntArrayRef{1, 2}) {
        const double w2 = [&] {
          for (const auto& q : d0)
            if (q.sizes() == torch::IntArrayRef{1, 1}) return q.item<double>();
          return 0.0;
        }();
        expected.push_back(w2 * shift.reshape({1, 2}));
      } else if (p.sizes() == torch::IntArrayRef{1, 1}) {
        const auto w1 = [&] {
          for (const auto& q : d0)
            if (q.sizes() == torch::IntArrayRef{1, 2}) return q.reshape({2});
          return torch::Tensor();
        }();
        expected.push_back((w1 * shift).sum().reshape({1, 1}));
      } else {
        expected.push_back(torch::zeros_like(p));
      }
    }
    setRngState(state);
    trainer->step();
    auto noiseEffect = minus(minus(valuesOf(trainer->discriminator()), d0), scaled(grad.d, -lr));
    // Rounding: D's unit outputs about 100 in float32 (ulp 7.6e-6), and the
    // gradients are differences of its means over real and generated
    // batches, so they carry a few such ulps, times lr: measured 1.4e-7 to
    // 3.1e-7 off. The noise's term, lr·σ_t·(a difference of means of 128
    // normals, std 0.18), is about 1e-3 (bound for the check to mean
    // something: 1e-5); σ one step off changes it by a quarter or more.
    std::cout << "[ figures  ] step " << t << ": noise term " << maxAbs(expected) * lr << ", off by "
              << maxAbsDifference(noiseEffect, scaled(expected, -lr)) << "\n";
    EXPECT_LT(maxAbsDifference(noiseEffect, scaled(expected, -lr)), 2e-6);
    if (t < 4) EXPECT_GT(maxAbs(expected) * lr, 1e-5) << "the noise draws should matter";
  }
}

TEST(TrainerWiringTest, GeneratorOutputBiasStartsAtTheLogitOfTheTrainingSplitsMeanPixel) {
  // g_output_bias = data_mean: G's output bias (the one parameter of 784
  // values) is logit(clamp(per-pixel mean of MNIST train[0:50000] in [0, 1],
  // 1e-7, 1 - 1e-7)). The mean is computed here from the IDX file itself.
  auto config = presetConfig("mnist-mlp", {"g_hidden=64", "d_hidden=32,32"});
  auto trainer = gantry::app::buildTrainer(config);
  torch::Tensor bias;
  for (auto& p : trainer->generator().parameters())
    if (p.dim() == 1 && p.numel() == 784) bias = p.detach().to(torch::kFloat64);
  ASSERT_TRUE(bias.defined()) << "no output bias of 784 values";

  std::ifstream in(gantry::test::mnistRoot() / "train-images-idx3-ubyte", std::ios::binary);
  ASSERT_TRUE(in) << "MNIST missing (scripts/setup fetches it)";
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 16u + 60000u * 784u);
  auto images = torch::from_blob(bytes.data() + 16, {60000, 784}, torch::kUInt8);
  auto logitOfMean = [&](int64_t count) {  // in float64, 5000 images at a time
    auto sum = torch::zeros({784}, torch::kFloat64);
    for (int64_t i = 0; i < count; i += 5000) sum += images.slice(0, i, i + 5000).to(torch::kFloat64).sum(0);
    return torch::logit((sum / (255.0 * count)).clamp(1e-7, 1 - 1e-7));
  };
  auto expected = logitOfMean(50000);
  // The library averages in float32 (relative error about 1e-6 of the mean,
  // hence about 1e-6 in the logit, whose slope is 1/(p(1-p)) and the means
  // stay below 0.6) and rounds the logits to float32 (ulp of 16: 2e-6).
  // Over all 50000+10000 images, or over another split, pixels differ by
  // more than 1e-3.
  std::cout << "[ figures  ] max |bias - logit(mean)| " << (bias - expected).abs().max().item<double>() << "\n";
  EXPECT_TRUE(torch::allclose(bias, expected, 0, 1e-4));
  auto all = logitOfMean(60000);
  EXPECT_GT((all - expected).abs().max().item<double>(), 1e-3) << "the check cannot tell the splits apart";
}
