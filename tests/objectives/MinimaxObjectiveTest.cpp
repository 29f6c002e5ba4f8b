#include "gantry/models/Mlp.h"
#include "gantry/objectives/MinimaxObjective.h"

#include "DiscriminatorTraining.h"

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
  EXPECT_NEAR(minimax->generatorLoss({}, fake).item<double>(), (logSigmoid(3.0) + logSigmoid(0.0)) / 2, 1e-12);
  EXPECT_NEAR(nonsaturating->generatorLoss({}, fake).item<double>(), -(logSigmoid(-3.0) + logSigmoid(0.0)) / 2, 1e-12);
}

TEST(MinimaxObjectiveTest, ExtremeLogitsStayFinite) {
  auto big = torch::tensor({80.0f, -80.0f, 200.0f, -200.0f});
  for (const auto& name : {"minimax", "nonsaturating"}) {
    auto o = makeObjective(name);
    EXPECT_TRUE(std::isfinite(o->value(big, big).item<double>())) << name;
    EXPECT_TRUE(std::isfinite(o->generatorLoss({}, big).item<double>())) << name;
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
  makeObjective("minimax")->generatorLoss({}, logit).backward();
  double d = 1.0 / (1.0 + std::exp(6.0));
  EXPECT_NEAR(logit.grad().item<double>(), -d, 1e-12);
  logit.mutable_grad().zero_();
  makeObjective("nonsaturating")->generatorLoss({}, logit).backward();
  EXPECT_NEAR(logit.grad().item<double>(), -(1.0 - d), 1e-12);
}

TEST(MinimaxObjectiveTest, TrainedDiscriminatorApproachesTheOptimum) {
  // p_data = N(0, 1), p_g = N(0, 2^2): D*(x) = p_data / (p_data + p_g)
  // = 1 / (1 + exp(-x²·3/8) / 2), a non-linear function of x.
  torch::manual_seed(5);
  auto d = gantry::test::trainDiscriminator(
      *makeObjective("nonsaturating"),
      [](int64_t n) {
        return torch::randn({n, 1});
      },
      [](int64_t n) {
        return 2.0 * torch::randn({n, 1});
      },
      3000);
  auto x = torch::linspace(-2.5, 2.5, 101).unsqueeze(1);
  torch::NoGradGuard guard;
  auto dx = torch::sigmoid(d->forward(x).logits);
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
  auto d = gantry::test::trainDiscriminator(*makeObjective("nonsaturating"), sampler, sampler, 1500);
  torch::NoGradGuard guard;
  auto grid = torch::linspace(3.0, 5.0, 41).unsqueeze(1);
  EXPECT_LT((torch::sigmoid(d->forward(grid).logits) - 0.5).abs().max().item<double>(), 0.02);
  auto v = makeObjective("minimax")->value(d->forward(sampler(200000)).logits, d->forward(sampler(200000)).logits);
  EXPECT_NEAR(v.item<double>(), -std::log(4.0), 0.02);
}

TEST(MinimaxObjectiveTest, ValueAtTheOptimalDiscriminatorIsTwoJsdMinusLog4) {
  // V(D*, G) = 2·JSD(p_data ‖ p_g) − log 4 with D* = p_data / (p_data + p_g),
  // i.e. logit log(p_data / p_g).
  auto minimax = makeObjective("minimax");
  // Discrete: p = (0.5, 0.3, 0.2), q = (0.1, 0.3, 0.6) on three points, as
  // samples in exactly those proportions (so the minibatch mean is the
  // expectation).
  const double p[] = {0.5, 0.3, 0.2}, q[] = {0.1, 0.3, 0.6};
  std::vector<double> realLogits, fakeLogits;
  double jsd = 0;
  for (int k = 0; k < 3; ++k) {
    double logit = std::log(p[k] / q[k]);
    for (int i = 0; i < int(std::lround(p[k] * 10)); ++i) realLogits.push_back(logit);
    for (int i = 0; i < int(std::lround(q[k] * 10)); ++i) fakeLogits.push_back(logit);
    double m = (p[k] + q[k]) / 2;
    jsd += 0.5 * p[k] * std::log(p[k] / m) + 0.5 * q[k] * std::log(q[k] / m);
  }
  double v = minimax->value(torch::tensor(realLogits, torch::kFloat64), torch::tensor(fakeLogits, torch::kFloat64))
                 .item<double>();
  EXPECT_NEAR(v, 2 * jsd - std::log(4.0), 0.01 * std::abs(2 * jsd - std::log(4.0)));
  EXPECT_NEAR(v, 2 * jsd - std::log(4.0), 1e-12);  // exact here

  // 1-d Gaussians N(0, 1) and N(1.5, 1): logit log(p/q) = −1.5x + 1.125;
  // 2·JSD by quadrature, V by a 10⁶-sample minibatch estimate, within 1%.
  const double mu = 1.5, h = 1e-3;
  auto x = torch::arange(-15.0, 15.0 + mu, h, torch::kFloat64);
  auto logP = -0.5 * x.pow(2) - 0.5 * std::log(2 * M_PI);
  auto logQ = -0.5 * (x - mu).pow(2) - 0.5 * std::log(2 * M_PI);
  auto logM = torch::logaddexp(logP, logQ) - std::log(2.0);
  double twoJsd =
      torch::trapezoid(torch::exp(logP) * (logP - logM) + torch::exp(logQ) * (logQ - logM), h).item<double>();
  torch::manual_seed(2014);
  auto real = torch::randn({1000000}, torch::kFloat64);
  auto fake = mu + torch::randn({1000000}, torch::kFloat64);
  auto logit = [&](const torch::Tensor& s) { return -mu * s + 0.5 * mu * mu; };
  double estimate = minimax->value(logit(real), logit(fake)).item<double>();
  EXPECT_NEAR(estimate, twoJsd - std::log(4.0), 0.01 * std::abs(twoJsd - std::log(4.0)));
}
