#include "gantry/eval/PrecisionRecall.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

using gantry::eval::nearestNeighbourRadii;
using gantry::eval::precisionRecallDensityCoverage;
using gantry::test::f64;

namespace {

torch::Tensor column(std::initializer_list<double> values) { return f64(values).unsqueeze(1); }

}  // namespace

TEST(PrecisionRecallTest, RadiiAreTheKthNeighbourWithinTheSet) {
  // Points 0, 1, 3, 7; distances to the others: 0: 1 3 7 | 1: 1 2 6 | 3: 2 3 4 | 7: 4 6 7.
  EXPECT_TRUE(torch::allclose(nearestNeighbourRadii(column({0, 1, 3, 7}), 1), f64({1, 1, 2, 4})));
  EXPECT_TRUE(torch::allclose(nearestNeighbourRadii(column({0, 1, 3, 7}), 2), f64({3, 2, 3, 6})));
}

TEST(PrecisionRecallTest, FourFiguresByHand) {
  // k = 1. Real 0, 1, 2, 10 with radii 1, 1, 1, 8; fake 0.3, 0.5, 50 with
  // radii 0.2, 0.2, 49.5.
  //   precision: 0.3 and 0.5 lie in real balls, 50 in none           → 2/3
  //   recall: real 1, 2, 10 lie in the ball of the outlier 50 (radius
  //     49.5), real 0 in no fake ball (0.3 and 0.5 are too far)       → 3/4
  //   density: 0.3 and 0.5 each lie in the balls of real 0 and 1     → (2 + 2 + 0)/(1·3) = 4/3
  //   coverage: real 0 and 1 have a fake within their radius,
  //     real 2 (nearest fake 1.5 away) and 10 (9.5 away) do not      → 2/4
  auto r = precisionRecallDensityCoverage(column({0, 1, 2, 10}), column({0.3, 0.5, 50}), 1);
  EXPECT_NEAR(r.precision, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.recall, 3.0 / 4.0, 1e-12);
  EXPECT_NEAR(r.density, 4.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.coverage, 0.5, 1e-12);
}

TEST(PrecisionRecallTest, IdenticalSetsScoreOneAndACollapsedSetHasLowRecall) {
  torch::manual_seed(5);
  auto real = torch::randn({1000, 8});
  auto same = precisionRecallDensityCoverage(real, real, 5);
  EXPECT_DOUBLE_EQ(same.precision, 1.0);
  EXPECT_DOUBLE_EQ(same.recall, 1.0);
  EXPECT_DOUBLE_EQ(same.coverage, 1.0);
  // Fake points all near one real point: realistic (precision 1, as they sit
  // inside that point's ball) but covering almost nothing.
  auto collapsed = real[0].unsqueeze(0) + 0.001 * torch::randn({500, 8});
  auto r = precisionRecallDensityCoverage(real, collapsed, 5);
  EXPECT_DOUBLE_EQ(r.precision, 1.0);
  EXPECT_LT(r.recall, 0.01);
  EXPECT_LT(r.coverage, 0.05);  // real[0] and the few points with it among their 5 neighbours
}

TEST(PrecisionRecallTest, MetricReusesItsReferenceRadii) {
  torch::manual_seed(6);
  auto real = torch::randn({400, 4}), fake = torch::randn({300, 4}) * 1.2;
  gantry::eval::PrecisionRecallMetric metric(nullptr, real, 5);
  metric.updateFeatures({fake, torch::zeros({300, 10})});
  auto json = metric.compute();
  auto direct = precisionRecallDensityCoverage(real, fake, 5);
  EXPECT_DOUBLE_EQ(json["precision"].get<double>(), direct.precision);
  EXPECT_DOUBLE_EQ(json["recall"].get<double>(), direct.recall);
  EXPECT_DOUBLE_EQ(json["density"].get<double>(), direct.density);
  EXPECT_DOUBLE_EQ(json["coverage"].get<double>(), direct.coverage);
  EXPECT_EQ(json["k"], 5);
}
