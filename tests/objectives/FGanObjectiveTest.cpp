#include "gantry/objectives/FGanObjective.h"

#include "DiscriminatorTraining.h"
#include "TestSupport.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

using gantry::objectives::FGanObjective;
using gantry::objectives::makeObjective;
using Divergence = FGanObjective::Divergence;

using gantry::test::f64;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

/// P = N(0, 1) (data), Q = N(mu, 1) (generator): log p(x)/q(x) = −mu·x + mu²/2.
torch::Tensor logRatio(const torch::Tensor& x, double mu) { return -mu * x + 0.5 * mu * mu; }
torch::Tensor normalDensity(const torch::Tensor& x, double mean) {
  return torch::exp(-0.5 * (x - mean).pow(2)) / std::sqrt(2 * M_PI);
}

/// D_f(P ‖ Q) = ∫ q f(p/q) dx by the trapezoid rule on [−15, 15 + mu], step
/// 1e-3, in float64 (the integrands are smooth Gaussian tails, so this is
/// accurate far beyond the tolerances used here).
double quadratureDivergence(const FGanObjective& objective, double mu) {
  const double h = 1e-3;
  auto x = torch::arange(-15.0, 15.0 + mu + h / 2, h, torch::kFloat64);
  auto q = normalDensity(x, mu);
  auto integrand = q * objective.f(torch::exp(logRatio(x, mu)));
  return torch::trapezoid(integrand, h).item<double>();
}

/// F(T) = ∫ p g_f(v) − q f*(g_f(v)) dx for a given v(x), same rule.
double quadratureBound(const FGanObjective& objective, double mu,
                       const std::function<torch::Tensor(const torch::Tensor&)>& v) {
  const double h = 1e-3;
  auto x = torch::arange(-15.0, 15.0 + mu + h / 2, h, torch::kFloat64);
  auto vx = v(x);
  auto integrand =
      normalDensity(x, 0.0) * objective.activation(vx) - normalDensity(x, mu) * objective.conjugateOfActivation(vx);
  return torch::trapezoid(integrand, h).item<double>();
}

struct DivergenceCase {
  Divergence divergence;
  double mu;  // distance between the Gaussians
  /// v = g_f^{-1}(t), the inverse of the output activation, written out here
  /// independently of the implementation.
  std::function<torch::Tensor(const torch::Tensor&)> inverseActivation;
  /// The closed-form D_f(N(0,1) ‖ N(mu,1)); NaN: none (use quadrature).
  double closedForm;
};

std::vector<DivergenceCase> cases() {
  const double mu = 1.0;
  const double muChi = 0.5;  // χ² estimates have heavy-tailed terms ((p/q)² under Q): a smaller gap
  const double nan = std::nan("");
  return {
      {Divergence::KullbackLeibler, mu, [](const torch::Tensor& t) { return t; }, mu * mu / 2},
      {Divergence::ReverseKL, mu, [](const torch::Tensor& t) { return -torch::log(-t); }, mu * mu / 2},
      {Divergence::Pearson, muChi, [](const torch::Tensor& t) { return t; }, std::exp(muChi * muChi) - 1},
      {Divergence::Neyman, muChi, [](const torch::Tensor& t) { return torch::log(1.0 - t); },
       std::exp(muChi * muChi) - 1},
      {Divergence::SquaredHellinger, mu, [](const torch::Tensor& t) { return torch::log(1.0 - t); },
       2 * (1 - std::exp(-mu * mu / 8))},
      {Divergence::JensenShannon, mu, [](const torch::Tensor& t) { return t - torch::log(2.0 - torch::exp(t)); }, nan},
      {Divergence::Gan, mu, [](const torch::Tensor& t) { return t - torch::log(1.0 - torch::exp(t)); }, nan},
      {Divergence::TotalVariation, mu, [](const torch::Tensor& t) { return torch::atanh(2.0 * t); },
       std::erf(mu / (2 * std::sqrt(2.0)))},  // 2Φ(mu/2) − 1
  };
}

/// The optimal raw output v*(x) = g_f^{-1}(f'(p(x)/q(x))).
torch::Tensor optimalV(const FGanObjective& objective, const DivergenceCase& c, const torch::Tensor& x) {
  return c.inverseActivation(objective.fPrime(torch::exp(logRatio(x, c.mu))));
}

/// 2·JSD(N(0,1) ‖ N(mu,1)) = ∫ p log(2p/(p+q)) + q log(2q/(p+q)), computed
/// from the log densities (independent of FGanObjective::f).
double twoJsd(double mu) {
  const double h = 1e-3;
  auto x = torch::arange(-15.0, 15.0 + mu + h / 2, h, torch::kFloat64);
  auto logP = -0.5 * x.pow(2) - 0.5 * std::log(2 * M_PI);
  auto logQ = -0.5 * (x - mu).pow(2) - 0.5 * std::log(2 * M_PI);
  auto logM = torch::logaddexp(logP, logQ) - std::log(2.0);
  auto integrand = torch::exp(logP) * (logP - logM) + torch::exp(logQ) * (logQ - logM);
  return torch::trapezoid(integrand, h).item<double>();
}

double reference(const DivergenceCase& c) {
  if (c.divergence == Divergence::JensenShannon) return twoJsd(c.mu);
  if (c.divergence == Divergence::Gan) return twoJsd(c.mu) - std::log(4.0);
  return c.closedForm;
}

}  // namespace

TEST(FGanObjectiveTest, NamesRoundTripThroughMakeObjective) {
  for (auto divergence : FGanObjective::allDivergences()) {
    auto name = FGanObjective::nameOf(divergence);
    auto objective = makeObjective(name);
    ASSERT_NE(objective, nullptr) << name;
    EXPECT_EQ(objective->name(), name);
    auto* fgan = dynamic_cast<FGanObjective*>(objective.get());
    ASSERT_NE(fgan, nullptr) << name;
    EXPECT_EQ(fgan->divergence(), divergence);
  }
}

TEST(FGanObjectiveTest, ConjugateSatisfiesFenchelYoungAndFVanishesAtOne) {
  // f*(f'(u)) = u f'(u) − f(u): the sup in f*(t) = sup_u ut − f(u) is attained
  // where f'(u) = t. Checks f, f' and f* against each other, and f(1) = 0
  // (so D_f(P ‖ P) = 0) for each divergence but the GAN one, whose
  // f(1) = −log 4 is the value of the game at equilibrium.
  auto u = f64({0.05, 0.2, 0.5, 0.9, 1.0, 1.3, 2.0, 5.0, 20.0});
  for (auto divergence : FGanObjective::allDivergences()) {
    FGanObjective o(divergence);
    auto t = o.fPrime(u);
    auto expected = u * t - o.f(u);
    auto actual = o.conjugate(t);
    EXPECT_TRUE(torch::allclose(actual, expected, 1e-12, 1e-12))
        << o.name() << "\nf*(f'(u)) = " << actual << "\nu f'(u) - f(u) = " << expected;
    double fAtOne = divergence == Divergence::Gan ? -std::log(4.0) : 0.0;
    EXPECT_NEAR(o.f(f64({1.0})).item<double>(), fAtOne, 1e-15) << o.name();
    // f is convex: f(mid) <= average of the ends.
    auto a = f64({0.1, 0.5, 2.0});
    auto b = f64({3.0, 1.5, 7.0});
    EXPECT_TRUE((o.f((a + b) / 2) <= (o.f(a) + o.f(b)) / 2 + 1e-15).all().item<bool>()) << o.name();
  }
}

TEST(FGanObjectiveTest, ActivationAndConjugateMatchTheTable) {
  auto v = f64({-2.5, -0.7, 0.0, 0.4, 1.9});
  auto vd = v.accessor<double, 1>();
  for (auto divergence : FGanObjective::allDivergences()) {
    FGanObjective o(divergence);
    auto g = o.activation(v).contiguous();
    auto fg = o.conjugateOfActivation(v).contiguous();
    for (int64_t i = 0; i < v.size(0); ++i) {
      double x = vd[i], gx = 0, t = 0, conj = 0;
      switch (divergence) {
        case Divergence::KullbackLeibler:
          gx = x, t = gx, conj = std::exp(t - 1);
          break;
        case Divergence::ReverseKL:
          gx = -std::exp(-x), t = gx, conj = -1 - std::log(-t);
          break;
        case Divergence::Pearson:
          gx = x, t = gx, conj = t * t / 4 + t;
          break;
        case Divergence::Neyman:
          gx = 1 - std::exp(x), t = gx, conj = 2 - 2 * std::sqrt(1 - t);
          break;
        case Divergence::SquaredHellinger:
          gx = 1 - std::exp(x), t = gx, conj = t / (1 - t);
          break;
        case Divergence::JensenShannon:
          gx = std::log(2.0) - std::log(1 + std::exp(-x)), t = gx, conj = -std::log(2 - std::exp(t));
          break;
        case Divergence::Gan:
          gx = -std::log(1 + std::exp(-x)), t = gx, conj = -std::log(1 - std::exp(t));
          break;
        case Divergence::TotalVariation:
          gx = 0.5 * std::tanh(x), t = gx, conj = t;
          break;
      }
      EXPECT_NEAR(g[i].item<double>(), gx, 1e-12) << o.name() << " g_f(" << x << ")";
      EXPECT_NEAR(fg[i].item<double>(), conj, 1e-12 * std::max(1.0, std::abs(conj)))
          << o.name() << " f*(g_f(" << x << "))";
      EXPECT_NEAR(o.conjugate(g[i].unsqueeze(0)).item<double>(), conj, 1e-12 * std::max(1.0, std::abs(conj)))
          << o.name() << " f*(" << t << ")";
    }
  }
  // Total variation: f*(t) = +inf off dom f* = [−½, ½].
  EXPECT_EQ(FGanObjective(Divergence::TotalVariation).conjugate(f64({0.6})).item<double>(), kInf);
}

TEST(FGanObjectiveTest, LossesAreMinusFAndMinusMeanActivation) {
  // KL by hand: T = v, f*(T) = exp(v − 1).
  auto real = f64({0.5, 2.0});
  auto fake = f64({-1.0, 1.0});
  FGanObjective kl(Divergence::KullbackLeibler);
  double f = 1.25 - (std::exp(-2.0) + 1.0) / 2;
  EXPECT_NEAR(kl.value(real, fake).item<double>(), f, 1e-12);
  EXPECT_NEAR(kl.discriminatorLoss(real, fake).item<double>(), -f, 1e-12);
  EXPECT_NEAR(kl.generatorLoss({}, fake).item<double>(), 0.0, 1e-12);
  // Reverse KL by hand: T = −e^−v, f*(T) = v − 1.
  FGanObjective rkl(Divergence::ReverseKL);
  f = -(std::exp(-0.5) + std::exp(-2.0)) / 2 - (-2.0 + 0.0) / 2;
  EXPECT_NEAR(rkl.value(real, fake).item<double>(), f, 1e-12);
  EXPECT_NEAR(rkl.generatorLoss({}, fake).item<double>(), (std::exp(1.0) + std::exp(-1.0)) / 2, 1e-12);
  // The same relations for all.
  for (auto divergence : FGanObjective::allDivergences()) {
    FGanObjective o(divergence);
    double value = o.value(real, fake).item<double>();
    double byHand = o.activation(real).mean().item<double>() - o.conjugate(o.activation(fake)).mean().item<double>();
    EXPECT_NEAR(value, byHand, 1e-12) << o.name();
    EXPECT_NEAR(o.discriminatorLoss(real, fake).item<double>(), -value, 1e-12) << o.name();
    EXPECT_NEAR(o.generatorLoss({}, fake).item<double>(), -o.activation(fake).mean().item<double>(), 1e-12) << o.name();
  }
}

TEST(FGanObjectiveTest, GanDivergenceIsTheMinimaxGame) {
  // With D = sigmoid(v): g_f(v) = log D, −f*(g_f(v)) = log(1 − D), so F is
  // Goodfellow's V(D, G), and the f-GAN generator loss −E log D is the
  // non-saturating one.
  auto real = f64({2.0, -1.0, 0.5, 7.0});
  auto fake = f64({-3.0, 0.0, 4.0});
  auto fgan = makeObjective("fgan-gan");
  EXPECT_NEAR(fgan->value(real, fake).item<double>(), makeObjective("minimax")->value(real, fake).item<double>(),
              1e-12);
  EXPECT_NEAR(fgan->generatorLoss({}, fake).item<double>(),
              makeObjective("nonsaturating")->generatorLoss({}, fake).item<double>(), 1e-12);
}

TEST(FGanObjectiveTest, JsAndGanGamesHaveTheSameGradients) {
  // F_JS = F_GAN + log 4 and the generator losses differ by log 2: every
  // gradient is the same, so the two train the same run (which is why
  // ObjectiveTrainingTest trains only fgan-js).
  auto js = makeObjective("fgan-js"), gan = makeObjective("fgan-gan");
  auto grads = [](const torch::Tensor& loss, const torch::Tensor& x) { return torch::autograd::grad({loss}, {x})[0]; };
  auto real = (torch::randn({64}) * 3).requires_grad_(true);
  auto fake = (torch::randn({64}) * 3).requires_grad_(true);
  auto jsD = js->discriminatorLoss(real, fake), ganD = gan->discriminatorLoss(real, fake);
  EXPECT_TRUE(torch::allclose(grads(jsD, real), grads(ganD, real), 0, 1e-7));
  EXPECT_TRUE(torch::allclose(grads(js->discriminatorLoss(real, fake), fake),
                              grads(gan->discriminatorLoss(real, fake), fake), 0, 1e-7));
  EXPECT_TRUE(
      torch::allclose(grads(js->generatorLoss({}, fake), fake), grads(gan->generatorLoss({}, fake), fake), 0, 1e-7));
  EXPECT_NEAR((js->value(real, fake) - gan->value(real, fake)).item<double>(), std::log(4.0), 1e-5);
}

TEST(FGanObjectiveTest, ExtremeOutputsStayFiniteAndExact) {
  auto big = torch::tensor({-80.0f, -20.0f, 0.0f, 20.0f, 80.0f});
  for (auto divergence : FGanObjective::allDivergences()) {
    FGanObjective o(divergence);
    EXPECT_TRUE(std::isfinite(o.value(big, big).item<double>())) << o.name();
    EXPECT_TRUE(std::isfinite(o.generatorLoss({}, big).item<double>())) << o.name();
    auto grad = big.clone().requires_grad_(true);
    o.discriminatorLoss(grad, grad).backward();
    EXPECT_TRUE(torch::isfinite(grad.grad()).all().item<bool>()) << o.name();
  }
  // Composing a rounded g_f with f* breaks down where the closed form does not:
  // GAN at v = 200 in float32 (the training precision): g_f = log σ(200)
  // = −e^−200 rounds to −0, and −log(1 − e^−0) = inf, whereas
  // f*(g_f(v)) = softplus(v) = 200.
  FGanObjective gan(Divergence::Gan);
  auto v32 = torch::tensor({200.0f, -200.0f});
  EXPECT_NEAR(gan.conjugateOfActivation(v32)[0].item<double>(), 200.0, 1e-4);
  EXPECT_EQ(gan.conjugate(gan.activation(v32))[0].item<double>(), kInf);
  auto v = f64({200.0, -200.0});
  EXPECT_NEAR(gan.conjugateOfActivation(v)[0].item<double>(), 200.0, 1e-9);
  EXPECT_NEAR(gan.conjugateOfActivation(v)[1].item<double>(), 0.0, 1e-80);
  EXPECT_NEAR(gan.activation(v)[1].item<double>(), -200.0, 1e-9);
  FGanObjective js(Divergence::JensenShannon);
  EXPECT_NEAR(js.conjugateOfActivation(v)[0].item<double>(), 200.0 - std::log(2.0), 1e-9);
  FGanObjective rkl(Divergence::ReverseKL);
  EXPECT_NEAR(rkl.conjugateOfActivation(f64({-800.0})).item<double>(), -801.0, 1e-9);  // e^800 overflows
}

TEST(FGanObjectiveTest, QuadratureOfFMatchesTheClosedForms) {
  // Checks the constants of each f (Table 1) against the textbook values.
  // (1e-7: the trapezoid rule's error at the kink of total variation's |u − 1|
  // is ~3e-8; a wrong constant or factor is off by far more.)
  for (const auto& c : cases()) {
    FGanObjective o(c.divergence);
    double expected = reference(c);
    EXPECT_NEAR(quadratureDivergence(o, c.mu), expected, 1e-7 * std::max(1.0, std::abs(expected))) << o.name();
  }
  // Jensen–Shannon here is 2·JSD ≤ 2 log 2, and GAN's is that minus log 4.
  double jsd2 = twoJsd(1.0);
  EXPECT_GT(jsd2, 0.0);
  EXPECT_LT(jsd2, 2 * std::log(2.0));
}

TEST(FGanObjectiveTest, OptimalCriticRecoversTheDivergence) {
  // T*(x) = f'(p(x)/q(x)) makes F equal to D_f(P ‖ Q); the minibatch estimate
  // with 10⁶ samples per side must be within 2% of the closed form.
  const int64_t n = 1000000;
  for (const auto& c : cases()) {
    FGanObjective o(c.divergence);
    torch::manual_seed(20160607);
    auto xP = torch::randn({n}, torch::kFloat64);
    auto xQ = c.mu + torch::randn({n}, torch::kFloat64);
    auto vP = optimalV(o, c, xP);
    auto vQ = optimalV(o, c, xQ);
    // The inverse activation is right: g_f(v*) = T*.
    auto probe = torch::linspace(-3.0, 3.0, 13, torch::kFloat64);
    auto tStar = o.fPrime(torch::exp(logRatio(probe, c.mu)));
    EXPECT_TRUE(torch::allclose(o.activation(optimalV(o, c, probe)), tStar, 1e-10, 1e-12)) << o.name();

    double estimate = o.value(vP, vQ).item<double>();
    double expected = reference(c);
    std::cout << "[ figures  ] " << o.name() << " mu=" << c.mu << ": estimate " << estimate << ", divergence "
              << expected << " (" << 100 * (estimate - expected) / expected << "%)\n";
    EXPECT_NEAR(estimate, expected, 0.02 * std::abs(expected)) << o.name();
  }
}

TEST(FGanObjectiveTest, SuboptimalCriticGivesALowerBound) {
  // Any other T gives F(T) < D_f: shrink and shift the optimal raw output
  // (clamped first, so that total variation's ±inf becomes finite). Checked
  // on the exact integral and on the same 10⁶-sample estimate.
  const int64_t n = 1000000;
  for (const auto& c : cases()) {
    FGanObjective o(c.divergence);
    auto perturbed = [&](const torch::Tensor& x) { return 0.5 * optimalV(o, c, x).clamp(-5.0, 5.0) + 0.25; };
    double expected = reference(c);
    double exact = quadratureBound(o, c.mu, perturbed);
    double exactOptimal = quadratureBound(o, c.mu, [&](const torch::Tensor& x) { return optimalV(o, c, x); });
    torch::manual_seed(20160607);
    auto xP = torch::randn({n}, torch::kFloat64);
    auto xQ = c.mu + torch::randn({n}, torch::kFloat64);
    double estimate = o.value(perturbed(xP), perturbed(xQ)).item<double>();
    double optimalEstimate = o.value(optimalV(o, c, xP), optimalV(o, c, xQ)).item<double>();
    std::cout << "[ figures  ] " << o.name() << ": perturbed T: exact F " << exact << ", estimate " << estimate
              << "; optimal T: exact F " << exactOptimal << ", estimate " << optimalEstimate << "; divergence "
              << expected << "\n";
    EXPECT_NEAR(exactOptimal, expected, 1e-6 * std::max(1.0, std::abs(expected))) << o.name();
    EXPECT_LT(exact, expected) << o.name();
    EXPECT_LT(estimate, expected) << o.name();
    EXPECT_LT(estimate, optimalEstimate) << o.name();
    EXPECT_NEAR(estimate, exact, 0.02 * std::abs(expected)) << o.name();
  }
}

TEST(FGanObjectiveTest, TrainedCriticApproachesTheDivergenceFromBelow) {
  // A discriminator trained by the toolkit (MLP, Adam) on each f-GAN loss
  // between P = N(0, 1) and Q = N(mu, 1): its F(T), estimated on 10⁶ fresh
  // samples per side, rises with training and stays below D_f(P ‖ Q) (up to
  // three standard errors of the estimate), ending close to it.
  const int64_t n = 1000000;
  for (const auto& c : cases()) {
    FGanObjective o(c.divergence);
    const double expected = reference(c);
    torch::manual_seed(7);
    auto xP = torch::randn({n, 1});
    auto xQ = c.mu + torch::randn({n, 1});
    struct Estimate {
      double value, standardError;
    };
    auto estimate = [&](gantry::models::MlpDiscriminator& d) {
      torch::NoGradGuard guard;
      auto onP = o.activation(d.forward(xP).logits.to(torch::kFloat64));
      auto onQ = o.conjugateOfActivation(d.forward(xQ).logits.to(torch::kFloat64));
      double se = std::sqrt((onP.var().item<double>() + onQ.var().item<double>()) / double(n));
      return Estimate{onP.mean().item<double>() - onQ.mean().item<double>(), se};
    };
    std::vector<Estimate> during;
    torch::manual_seed(8);
    auto d = gantry::test::trainDiscriminator(
        o,
        [](int64_t m) {
          return torch::randn({m, 1});
        },
        [&](int64_t m) {
          return c.mu + torch::randn({m, 1});
        },
        2000,
        [&](int64_t step, gantry::models::MlpDiscriminator& current) {
          if (step == 20 || step == 200) during.push_back(estimate(current));
        });
    auto final = estimate(*d);
    std::cout << "[ figures  ] " << o.name() << ": F(T) after 20 steps " << during[0].value << ", 200 steps "
              << during[1].value << ", 2000 steps " << final.value << " (se " << final.standardError << "); divergence "
              << expected << "\n";
    EXPECT_LT(during[0].value, during[1].value) << o.name();
    EXPECT_LT(during[1].value, final.value + 3 * final.standardError) << o.name();
    EXPECT_LT(final.value, expected + 3 * final.standardError) << o.name();
    EXPECT_GT(final.value, expected - 0.05 * std::abs(expected)) << o.name();
  }
}
