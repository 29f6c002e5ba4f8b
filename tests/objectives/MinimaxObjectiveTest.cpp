#include "gantry/models/Mlp.h"
#include "gantry/objectives/MinimaxObjective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using gantry::objectives::makeObjective;

namespace {

double logSigmoid(double l) { return std::log(1.0 / (1.0 + std::exp(-l))); }

}  // namespace

TEST(MinimaxObjectiveTest, ValueAndLossesMatchTheFormulas) {
  auto real = torch::tensor({2.0, -1.0, 0.5}, torch::kFloat64);
  auto fake = torch::tensor({-3.0, 0.0}, torch::kFloat64);
  // V = mean log D(x) + mean log(1 - D(G(z))), D = sigmoid(logit); log(1 - sigmoid(l)) = logSigmoid(-l).
  double v = (logSigmoid(2.0) + logSigmoid(-1.0) + logSigmoid(0.5)) / 3 + (logSigmoid(3.0) + logSigmoid(0.0)) / 2;
  auto minimax = makeObjective("minimax");
  auto nonsaturating = makeObjective("nonsaturating");
  EXPECT_NEAR(minimax->value(real, fake).item<double>(), v, 1e-12);
  EXPECT_NEAR(minimax->discriminatorLoss(real, fake).item<double>(), -v / 2, 1e-12);
  EXPECT_NEAR(nonsaturating->discriminatorLoss(real, fake).item<double>(), -v / 2, 1e-12);
  EXPECT_NEAR(minimax->generatorLoss(fake).item<double>(), (logSigmoid(3.0) + logSigmoid(0.0)) / 2, 1e-12);
  EXPECT_NEAR(nonsaturating->generatorLoss(fake).item<double>(), -(logSigmoid(-3.0) + logSigmoid(0.0)) / 2, 1e-12);
  EXPECT_EQ(makeObjective("wgan"), nullptr);
}

TEST(MinimaxObjectiveTest, ExtremeLogitsStayFinite) {
  auto big = torch::tensor({80.0f, -80.0f, 200.0f, -200.0f});
  for (const auto& name : {"minimax", "nonsaturating"}) {
    auto o = makeObjective(name);
    EXPECT_TRUE(std::isfinite(o->value(big, big).item<double>())) << name;
    EXPECT_TRUE(std::isfinite(o->generatorLoss(big).item<double>())) << name;
  }
  // log D(x) for a confidently rejected real sample is ≈ the logit itself.
  EXPECT_NEAR(makeObjective("minimax")->value(torch::tensor({-200.0f}), torch::tensor({-200.0f})).item<double>(),
              -200.0, 1e-3);
}

TEST(MinimaxObjectiveTest, NonSaturatingGeneratorKeepsItsGradientWhenDRejects) {
  // d/dl of the saturating loss log(1 - sigmoid(l)) is -sigmoid(l) = -D;
  // of the non-saturating -log sigmoid(l) it is -(1 - D). With D(G(z)) ≈ 0
  // (early training) only the second is large.
  auto logit = torch::tensor({-6.0}, torch::kFloat64).requires_grad_(true);
  makeObjective("minimax")->generatorLoss(logit).backward();
  double d = 1.0 / (1.0 + std::exp(6.0));
  EXPECT_NEAR(logit.grad().item<double>(), -d, 1e-12);
  logit.mutable_grad().zero_();
  makeObjective("nonsaturating")->generatorLoss(logit).backward();
  EXPECT_NEAR(logit.grad().item<double>(), -(1.0 - d), 1e-12);
}

namespace {

/// Trains a discriminator alone between samplers of p_data and p_g, with
/// fresh samples each step, and returns it in eval mode.
std::shared_ptr<gantry::models::MlpDiscriminator> trainDiscriminator(
    const std::function<torch::Tensor(int64_t)>& data, const std::function<torch::Tensor(int64_t)>& generated,
    int64_t steps) {
  using namespace gantry::models;
  auto d = std::make_shared<MlpDiscriminator>(
      MlpDiscriminatorOptions({1}).hidden({64, 64}).activation(Activation::LeakyReLU));
  auto objective = makeObjective("nonsaturating");
  torch::optim::Adam opt(d->parameters(), torch::optim::AdamOptions(2e-3));
  for (int64_t i = 0; i < steps; ++i) {
    // Lower the rate over time so D settles instead of tracking minibatch noise.
    static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options())
        .lr(2e-3 * std::pow(0.02, double(i) / steps));
    auto loss = objective->discriminatorLoss(d->forward(data(1024)), d->forward(generated(1024)));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  d->eval();
  return d;
}

}  // namespace

TEST(MinimaxObjectiveTest, TrainedDiscriminatorApproachesTheOptimum) {
  // p_data = N(0, 1), p_g = N(0, 2^2): D*(x) = p_data / (p_data + p_g)
  // = 1 / (1 + exp(-x²·3/8) / 2), a non-linear function of x.
  torch::manual_seed(5);
  auto d = trainDiscriminator(
      [](int64_t n) {
        return torch::randn({n, 1});
      },
      [](int64_t n) {
        return 2.0 * torch::randn({n, 1});
      },
      3000);
  auto x = torch::linspace(-2.5, 2.5, 101).unsqueeze(1);
  torch::NoGradGuard guard;
  auto dx = torch::sigmoid(d->forward(x));
  auto pData = torch::exp(-x.squeeze(1).pow(2) / 2) / std::sqrt(2 * M_PI);
  auto pG = torch::exp(-x.squeeze(1).pow(2) / 8) / (2 * std::sqrt(2 * M_PI));
  auto optimum = pData / (pData + pG);
  double maxError = (dx - optimum).abs().max().item<double>();
  EXPECT_LT(maxError, 0.05) << "max |D(x) - D*(x)| on [-2.5, 2.5]";
}

TEST(MinimaxObjectiveTest, AtEquilibriumDIsOneHalfAndVIsMinusLog4) {
  // p_g = p_data: the best D is 1/2 everywhere and V(D*, G) = -log 4.
  torch::manual_seed(6);
  auto sampler = [](int64_t n) { return 4.0 + 0.5 * torch::randn({n, 1}); };
  auto d = trainDiscriminator(sampler, sampler, 1500);
  torch::NoGradGuard guard;
  auto grid = torch::linspace(3.0, 5.0, 41).unsqueeze(1);
  EXPECT_LT((torch::sigmoid(d->forward(grid)) - 0.5).abs().max().item<double>(), 0.02);
  auto v = makeObjective("minimax")->value(d->forward(sampler(200000)), d->forward(sampler(200000)));
  EXPECT_NEAR(v.item<double>(), -std::log(4.0), 0.02);
}
