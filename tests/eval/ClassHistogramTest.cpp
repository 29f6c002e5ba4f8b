#include "gantry/eval/ClassHistogram.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using gantry::eval::classHistogram;
using gantry::test::f64;

namespace {

torch::Tensor predictions(const std::vector<std::pair<int64_t, int64_t>>& classCounts, int64_t classes) {
  std::vector<int64_t> labels;
  for (auto [c, n] : classCounts) labels.insert(labels.end(), static_cast<size_t>(n), c);
  return torch::one_hot(torch::tensor(labels), classes).to(torch::kFloat32);
}

}  // namespace

TEST(ClassHistogramTest, CountsCoverageAndKlByHand) {
  // Real shares (0.4, 0.3, 0.2, 0.1); 100 samples: 60 of class 0, 39 of 1, 1 of 3.
  // Bars at a tenth of the real share: 4, 3, 2, 1 samples → classes 0, 1 and 3.
  auto h = classHistogram(predictions({{0, 60}, {1, 39}, {3, 1}}, 4), f64({0.4, 0.3, 0.2, 0.1}), 0.1);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{60, 39, 0, 1}));
  EXPECT_EQ(h.classesCovered, 3);
  double kl = 0.6 * std::log(0.6 / 0.4) + 0.39 * std::log(0.39 / 0.3) + 0.01 * std::log(0.01 / 0.1);
  EXPECT_NEAR(h.klFromReal, kl, 1e-12);
}

TEST(ClassHistogramTest, MislabelledStragglersDoNotCountAsClasses) {
  // A single class as a 99% classifier sees it: 990 of class 3, 10 spread
  // over classes 0 and 7. Bars at 1% of 1,000 = 10 samples: only class 3.
  auto uniform = torch::full({10}, 0.1, torch::kFloat64);
  auto h = classHistogram(predictions({{3, 990}, {0, 4}, {7, 6}}, 10), uniform, 0.1);
  EXPECT_EQ(h.classesCovered, 1);
  // All on one class: KL = log(1 / 0.1).
  auto one = classHistogram(predictions({{5, 200}}, 10), uniform, 0.1);
  EXPECT_EQ(one.classesCovered, 1);
  EXPECT_NEAR(one.klFromReal, std::log(10.0), 1e-12);
  // The real proportions exactly: KL 0, every class covered.
  auto all = classHistogram(
      predictions({{0, 5}, {1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}, {6, 5}, {7, 5}, {8, 5}, {9, 5}}, 10), uniform, 0.1);
  EXPECT_EQ(all.classesCovered, 10);
  EXPECT_NEAR(all.klFromReal, 0.0, 1e-12);
}

TEST(ClassHistogramTest, MetricReportsItsKeys) {
  gantry::eval::ClassHistogramMetric metric(nullptr, f64({0.5, 0.5}), 0.1);
  metric.updateFeatures({torch::zeros({3, 4}), predictions({{1, 3}}, 2)});
  auto json = metric.compute();
  EXPECT_EQ(json["histogram"], (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(json["classes_covered"], 1);
  EXPECT_EQ(json["classes_total"], 2);
  EXPECT_NEAR(json["kl_from_real"].get<double>(), std::log(2.0), 1e-12);
  EXPECT_EQ(json["samples"], 3);
}
