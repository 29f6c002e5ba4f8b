#include "gantry/app/Settings.h"
#include "gantry/objectives/HingeObjective.h"
#include "gantry/objectives/LeastSquaresObjective.h"
#include "gantry/objectives/WassersteinObjective.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <set>
#include <string>

using gantry::objectives::makeObjective;
using gantry::objectives::objectiveNames;

using gantry::test::f64;

namespace {

/// The gradients of a loss with respect to the real and generated outputs.
std::pair<torch::Tensor, torch::Tensor> gradients(
    const std::function<torch::Tensor(torch::Tensor, torch::Tensor)>& loss, const torch::Tensor& real,
    const torch::Tensor& fake) {
  auto r = real.clone().requires_grad_(true);
  auto f = fake.clone().requires_grad_(true);
  loss(r, f).backward();
  return {r.grad(), f.grad()};
}

void expectTensorNear(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what) {
  EXPECT_TRUE(torch::allclose(actual, expected, 0.0, 1e-12)) << what << ": " << actual << " vs " << expected;
}

}  // namespace

TEST(ObjectivesTest, LeastSquaresMatchesHandComputedValues) {
  auto real = f64({2.0, -1.0, 0.5});
  auto fake = f64({-3.0, 0.0});
  auto o = makeObjective("lsgan");
  ASSERT_NE(o, nullptr);
  // ½·mean((1, −2, −0.5)²) + ½·mean((−3, 0)²) = ½·(1 + 4 + 0.25)/3 + ½·9/2 = 0.875 + 2.25.
  EXPECT_NEAR(o->discriminatorLoss(real, fake).item<double>(), 3.125, 1e-12);
  EXPECT_NEAR(o->value(real, fake).item<double>(), -3.125, 1e-12);
  // ½·mean((−4, −1)²) = ½·17/2.
  EXPECT_NEAR(o->generatorLoss({}, fake).item<double>(), 4.25, 1e-12);
  // d/dD(x_i) = (D(x_i) − 1)/N; d/dD(G(z_j)) = D(G(z_j))/M.
  auto [gr, gf] = gradients([&](auto r, auto f) { return o->discriminatorLoss(r, f); }, real, fake);
  expectTensorNear(gr, f64({1.0 / 3, -2.0 / 3, -0.5 / 3}), "lsgan dL_D/dreal");
  expectTensorNear(gf, f64({-1.5, 0.0}), "lsgan dL_D/dfake");
  auto [unused, gg] = gradients([&](auto, auto f) { return o->generatorLoss({}, f); }, real, fake);
  expectTensorNear(gg, f64({-2.0, -0.5}), "lsgan dL_G/dfake");
  // Minimum of the D loss: real at b = 1, fake at a = 0.
  EXPECT_EQ(o->discriminatorLoss(f64({1.0, 1.0}), f64({0.0})).item<double>(), 0.0);
}

TEST(ObjectivesTest, HingeMatchesHandComputedValues) {
  auto real = f64({2.0, -1.0, 0.5});
  auto fake = f64({-3.0, 0.0});
  auto o = makeObjective("hinge");
  ASSERT_NE(o, nullptr);
  // mean(relu(1 − (2, −1, 0.5))) = (0 + 2 + 0.5)/3; mean(relu(1 + (−3, 0))) = (0 + 1)/2.
  double dLoss = 2.5 / 3 + 0.5;
  EXPECT_NEAR(o->discriminatorLoss(real, fake).item<double>(), dLoss, 1e-12);
  EXPECT_NEAR(o->value(real, fake).item<double>(), -dLoss, 1e-12);
  EXPECT_NEAR(o->generatorLoss({}, fake).item<double>(), 1.5, 1e-12);
  auto [gr, gf] = gradients([&](auto r, auto f) { return o->discriminatorLoss(r, f); }, real, fake);
  expectTensorNear(gr, f64({0.0, -1.0 / 3, -1.0 / 3}), "hinge dL_D/dreal");
  expectTensorNear(gf, f64({0.0, 0.5}), "hinge dL_D/dfake");
  auto [unused, gg] = gradients([&](auto, auto f) { return o->generatorLoss({}, f); }, real, fake);
  expectTensorNear(gg, f64({-0.5, -0.5}), "hinge dL_G/dfake");
}

TEST(ObjectivesTest, HingeIsZeroWithNoGradientBeyondTheMargin) {
  auto o = makeObjective("hinge");
  auto real = f64({1.0, 3.5, 100.0});
  auto fake = f64({-1.0, -2.0, -50.0});
  EXPECT_EQ(o->discriminatorLoss(real, fake).item<double>(), 0.0);
  auto [gr, gf] = gradients([&](auto r, auto f) { return o->discriminatorLoss(r, f); }, f64({1.5, 3.5, 100.0}),
                            f64({-1.5, -2.0, -50.0}));
  EXPECT_EQ(gr.abs().max().item<double>(), 0.0);
  EXPECT_EQ(gf.abs().max().item<double>(), 0.0);
  // Just inside the margin the loss is positive.
  EXPECT_NEAR(o->discriminatorLoss(f64({0.75}), f64({-1.0})).item<double>(), 0.25, 1e-12);
  EXPECT_NEAR(o->discriminatorLoss(f64({1.0}), f64({-0.5})).item<double>(), 0.5, 1e-12);
}

TEST(ObjectivesTest, WassersteinMatchesHandComputedValues) {
  auto real = f64({2.0, -1.0, 0.5});
  auto fake = f64({-3.0, 0.0});
  auto o = makeObjective("wgan");
  ASSERT_NE(o, nullptr);
  // mean real = 0.5, mean fake = −1.5.
  EXPECT_NEAR(o->value(real, fake).item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(o->discriminatorLoss(real, fake).item<double>(), -2.0, 1e-12);
  EXPECT_NEAR(o->generatorLoss({}, fake).item<double>(), 1.5, 1e-12);
  auto [gr, gf] = gradients([&](auto r, auto f) { return o->discriminatorLoss(r, f); }, real, fake);
  expectTensorNear(gr, torch::full({3}, -1.0 / 3, torch::kFloat64), "wgan dL_D/dreal");
  expectTensorNear(gf, torch::full({2}, 0.5, torch::kFloat64), "wgan dL_D/dfake");
  auto [unused, gg] = gradients([&](auto, auto f) { return o->generatorLoss({}, f); }, real, fake);
  expectTensorNear(gg, torch::full({2}, -0.5, torch::kFloat64), "wgan dL_G/dfake");
}

TEST(ObjectivesTest, WassersteinValueEstimatesW1WithTheOptimalCritic) {
  // W₁(N(0,1), N(mu,1)) = |mu|, attained by the 1-Lipschitz critic D(x) = −x
  // (P sits to the left of Q).
  torch::manual_seed(3);
  const double mu = 1.5;
  auto real = torch::randn({200000}, torch::kFloat64);
  auto fake = mu + torch::randn({200000}, torch::kFloat64);
  EXPECT_NEAR(makeObjective("wgan")->value(-real, -fake).item<double>(), mu, 0.02);
}

TEST(ObjectivesTest, EveryRegisteredNameIsMadeAndIsAConfigChoice) {
  auto names = objectiveNames();
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "duplicate objective names";
  for (const auto& name : names) {
    auto objective = makeObjective(name);
    ASSERT_NE(objective, nullptr) << name;
    EXPECT_EQ(objective->name(), name);
  }
  for (const auto& name :
       {"minimax", "nonsaturating", "lsgan", "hinge", "wgan", "wgan-gp", "fgan-kl", "fgan-reverse-kl", "fgan-pearson",
        "fgan-neyman", "fgan-hellinger", "fgan-js", "fgan-gan", "fgan-tv"})
    EXPECT_TRUE(unique.count(name)) << name << " is not registered";
  EXPECT_EQ(makeObjective("no-such-game"), nullptr);

  const auto* key = gantry::app::trainingSchema().find("objective");
  ASSERT_NE(key, nullptr);
  std::set<std::string> choices(key->choices.begin(), key->choices.end());
  EXPECT_EQ(choices, unique) << "the config's objective choices and objectiveNames() differ";
  EXPECT_EQ(std::get<std::string>(key->defaultValue), "nonsaturating");
}
