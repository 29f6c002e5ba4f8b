#include "gantry/objectives/Objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using gantry::objectives::makeObjective;
using gantry::test::f64;

namespace {

double softplus(double x) { return std::log1p(std::exp(x)); }

}  // namespace

TEST(RelativisticObjectiveTest, StandardPairsTheBatchesRowByRow) {
  auto o = makeObjective("rsgan");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->generatorReadsReal());
  auto real = f64({2.0, 0.0}), fake = f64({0.0, -1.0});
  // D: E softplus(−(C_r − C_f)), pairs (2, 0) and (0, −1).
  EXPECT_NEAR(o->discriminatorLoss(real, fake).item<double>(), (softplus(-2.0) + softplus(-1.0)) / 2, 1e-12);
  // G: E softplus(−(C_f − C_r)).
  EXPECT_NEAR(o->generatorLoss(real, fake).item<double>(), (softplus(2.0) + softplus(1.0)) / 2, 1e-12);
  EXPECT_NEAR(o->value(real, fake).item<double>(), -o->discriminatorLoss(real, fake).item<double>(), 1e-15);
  // A permutation of one batch changes the pairs, hence the loss.
  EXPECT_GT(std::abs(o->discriminatorLoss(real, f64({-1.0, 0.0})).item<double>() -
                     o->discriminatorLoss(real, fake).item<double>()),
            1e-3);
}

TEST(RelativisticObjectiveTest, AverageComparesEachSideWithTheOthersMean) {
  auto o = makeObjective("ragan");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->generatorReadsReal());
  auto real = f64({2.0, 0.0}), fake = f64({0.0, -1.0});  // means 1 and −0.5
  const double d = 0.5 * (softplus(-2.5) + softplus(-0.5)) / 2 + 0.5 * (softplus(-1.0) + softplus(-2.0)) / 2;
  const double g = 0.5 * (softplus(1.0) + softplus(2.0)) / 2 + 0.5 * (softplus(2.5) + softplus(0.5)) / 2;
  EXPECT_NEAR(o->discriminatorLoss(real, fake).item<double>(), d, 1e-12);
  EXPECT_NEAR(o->generatorLoss(real, fake).item<double>(), g, 1e-12);
  // The average game does not pair rows: a permutation changes nothing.
  EXPECT_NEAR(o->discriminatorLoss(real, f64({-1.0, 0.0})).item<double>(), d, 1e-12);
}

TEST(RelativisticObjectiveTest, ValueIsMinusLog2WhereDSaysTheSame) {
  // rsgan: wherever each pair's outputs agree; ragan: where D's output is
  // constant (by Jensen's inequality it is below −log 2 otherwise, even when
  // both sides have the same distribution of outputs).
  auto spread = f64({0.3, -1.2, 2.0});
  auto constant = f64({0.7, 0.7, 0.7});
  EXPECT_NEAR(makeObjective("rsgan")->value(spread, spread).item<double>(), -std::log(2.0), 1e-12);
  auto ragan = makeObjective("ragan");
  EXPECT_NEAR(ragan->value(constant, constant).item<double>(), -std::log(2.0), 1e-12);
  EXPECT_LT(ragan->value(spread, spread).item<double>(), -std::log(2.0) - 0.1);
  // Critics report their raw outputs.
  for (const char* name : {"rsgan", "ragan"})
    EXPECT_TRUE(torch::equal(makeObjective(name)->reportedOutput(spread), spread)) << name;
}

TEST(RelativisticObjectiveTest, GeneratorGradientPushesFakeAboveReal) {
  for (const char* name : {"rsgan", "ragan"}) {
    auto o = makeObjective(name);
    auto fake = f64({0.0, -1.0}).requires_grad_();
    auto loss = o->generatorLoss(f64({2.0, 0.0}), fake);
    auto grad = torch::autograd::grad({loss}, {fake})[0];
    EXPECT_TRUE((grad < 0).all().item<bool>()) << name << ": raising C(x_f) must lower G's loss";
  }
}
