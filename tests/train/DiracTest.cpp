// The update rules on the Dirac-GAN (Mescheder, Geiger & Nowozin 2018),
// through the same trainer and command line that train MNIST, against the
// closed forms of the bilinear game (../shared protocols: with objective =
// wgan and no clipping, D's loss is ψθ and G's −ψθ; plain gradient steps of
// size η).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

struct Point {
  double theta, psi;
};

/// (θ, ψ) after each step: metrics.jsonl with log_every = 1.
std::vector<Point> trajectory(const std::string& settings, int64_t steps) {
  TempDir dir;
  auto run = dir / "run";
  auto r = runGantry("train --preset dirac --quiet --steps " + std::to_string(steps) + " " + settings + " --out " +
                     quoted(run));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::vector<Point> points;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    points.push_back({j.at("theta").get<double>(), j.at("psi").get<double>()});
  }
  EXPECT_EQ(static_cast<int64_t>(points.size()), steps);
  return points;
}

const double kEta = 0.1;

std::string bilinear(const std::string& update) {
  return "--set objective=wgan --set weight_clip=0 --set optimizer=sgd --set momentum=0 --set momentum_final=0 "
         "--set lr_g=0.1 --set lr_d=0.1 --set lr_decay=1 --set log_every=1 --set update=" +
         update;
}

double squaredNorm(const Point& p) { return p.theta * p.theta + p.psi * p.psi; }

}  // namespace

TEST(DiracTest, SimultaneousStepsSpiralOutByOnePlusEtaSquared) {
  auto points = trajectory(bilinear("simultaneous"), 100);
  ASSERT_EQ(points.size(), 100u);
  // From (θ₀, ψ₀) = (1, 1): ‖w_t‖² = 2 (1 + η²)^t.
  for (size_t t = 0; t < points.size(); ++t) {
    const double expected = 2.0 * std::pow(1.0 + kEta * kEta, static_cast<double>(t + 1));
    EXPECT_NEAR(squaredNorm(points[t]) / expected, 1.0, 1e-4) << "step " << t + 1;
  }
  EXPECT_GT(squaredNorm(points.back()), 5.0) << "it spirals outward";
}

TEST(DiracTest, AlternatingStepsConserveTheQuadraticInvariant) {
  // D first: ψ⁺ = ψ − ηθ, then θ⁺ = θ + ηψ⁺; ψ² + θ² − ηψθ is conserved.
  auto points = trajectory(bilinear("alternating"), 100);
  ASSERT_EQ(points.size(), 100u);
  const double invariant = 1.0 + 1.0 - kEta * 1.0 * 1.0;
  double smallest = 1e9, largest = 0;
  for (size_t t = 0; t < points.size(); ++t) {
    const auto& p = points[t];
    EXPECT_NEAR((p.psi * p.psi + p.theta * p.theta - kEta * p.psi * p.theta) / invariant, 1.0, 1e-4)
        << "step " << t + 1;
    smallest = std::min(smallest, squaredNorm(p));
    largest = std::max(largest, squaredNorm(p));
  }
  // Not a fixed point: the iterates go round (‖w‖² itself varies along the ellipse).
  EXPECT_GT(largest - smallest, 0.1);
}

TEST(DiracTest, ExtragradientShrinksByOneMinusEtaSquaredPlusEtaToTheFourth) {
  auto points = trajectory(bilinear("extragradient"), 100);
  ASSERT_EQ(points.size(), 100u);
  const double factor = 1.0 - kEta * kEta + std::pow(kEta, 4);
  for (size_t t = 0; t < points.size(); ++t)
    EXPECT_NEAR(squaredNorm(points[t]) / (2.0 * std::pow(factor, static_cast<double>(t + 1))), 1.0, 1e-4)
        << "step " << t + 1;
}

TEST(DiracTest, OptimisticAndConsensusConvergeToTheEquilibrium) {
  // Optimistic steps shrink ‖w‖² by about 1 − η² + η⁴ per step (the root of
  // the recurrence w⁺ = w − 2ηAw + ηAw⁻ of largest modulus); consensus with
  // γ = 1 by (1 − ηγ)² + η² = 0.82.
  for (const auto& [update, steps, bound] :
       {std::tuple<const char*, int64_t, double>{"optimistic", 1500, 1e-6}, {"consensus", 200, 1e-12}}) {
    SCOPED_TRACE(update);
    auto points = trajectory(bilinear(update) + " --set consensus_weight=1", steps);
    ASSERT_FALSE(points.empty());
    EXPECT_LT(squaredNorm(points.back()), bound);
    // Against the plain rule: simultaneous steps would be at 2(1 + η²)^steps.
    EXPECT_LT(squaredNorm(points[points.size() / 2]), squaredNorm(points.front()));
  }
}

TEST(DiracTest, NonSaturatingGameConvergesWithR1AndNotWithout) {
  // The paper's Theorem/Lemma pair (§2.2, §4): the Jacobian of the
  // unregularised game at (0, 0) has eigenvalues ±f′(0)i, so gradient steps
  // are not locally convergent; with R1 (γ > 0) they are, at a linear rate.
  // Measured here with simultaneous and with alternating plain steps
  // (η = 0.1, γ = 1): with R1 ‖w‖² falls below 1e-10 within 1,000 steps;
  // without it the non-saturating game only drifts inward through its
  // nonlinear terms (‖w‖² 0.27 → 0.10 between steps 1,000 and 3,000
  // simultaneously, 0.15 → 0.026 alternating), far from a linear rate.
  for (const char* update : {"simultaneous", "alternating"}) {
    SCOPED_TRACE(update);
    const std::string plainSteps = std::string("--set log_every=1 --set update=") + update;
    auto regularised = trajectory(plainSteps + " --set penalty=r1 --set penalty_weight=1", 1000);
    auto plain = trajectory(plainSteps, 3000);
    ASSERT_EQ(regularised.size(), 1000u);
    ASSERT_EQ(plain.size(), 3000u);
    EXPECT_LT(squaredNorm(regularised.back()), 1e-10);
    // Without the penalty: still away from the equilibrium after 3,000 steps,
    // and not shrinking by even a factor 10 over the last 2,000.
    EXPECT_GT(squaredNorm(plain.back()), 0.01);
    EXPECT_GT(squaredNorm(plain.back()), 0.1 * squaredNorm(plain[999]));
  }
}

TEST(DiracTest, UnrolledGeneratorSeesKUpdatesOfTheDiscriminator) {
  // With plain steps D's look-ahead from ψ is ψ_K = ψ − Kηθ (its gradient θ
  // does not depend on ψ), so G descends L_G = −ψ_K θ = −ψθ + Kηθ²:
  //   θ⁺ = θ + ηψ − 2Kη²θ,   ψ⁺ = ψ − ηθ   (both from the step's (θ, ψ)).
  const int64_t k = 5;
  auto points = trajectory(bilinear("unrolled") + " --set unroll_steps=5", 100);
  ASSERT_EQ(points.size(), 100u);
  double theta = 1.0, psi = 1.0;
  for (size_t t = 0; t < points.size(); ++t) {
    const double nextTheta = theta + kEta * psi - 2.0 * k * kEta * kEta * theta;
    psi = psi - kEta * theta;
    theta = nextTheta;
    EXPECT_NEAR(points[t].theta, theta, 1e-4 * std::max(1.0, std::abs(theta))) << "step " << t + 1;
    EXPECT_NEAR(points[t].psi, psi, 1e-4 * std::max(1.0, std::abs(psi))) << "step " << t + 1;
  }
}
