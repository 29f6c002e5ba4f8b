// "per-class" (gantry/eval/PerClassMetric.h) on hand-made features: the share
// of each class's samples the classifier assigns to it, and the FD within
// each class, against closed forms.
#include "gantry/eval/PerClassMetric.h"

#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using gantry::eval::ImageFeatures;
using gantry::eval::PerClassMetric;

namespace {

/// Probabilities [N, C] whose most probable class is `predicted`.
torch::Tensor probabilitiesOf(const std::vector<int64_t>& predicted, int64_t classes) {
  auto p = torch::full({static_cast<int64_t>(predicted.size()), classes}, 0.1 / classes, torch::kFloat32);
  for (size_t i = 0; i < predicted.size(); ++i) p[i][predicted[i]] = 0.9;
  return p;
}

}  // namespace

TEST(PerClassMetricTest, AccuracyIsTheShareAssignedToTheClassDrawnAndFdComparesWithinTheClass) {
  torch::manual_seed(3);
  const int64_t classes = 3;
  // Test images: 200 of class 0 around 0, 200 of class 1 around 5, 200 of class 2 around −5.
  auto reference = torch::cat({torch::randn({200, 3}), torch::randn({200, 3}) + 5, torch::randn({200, 3}) - 5});
  auto referenceLabels = torch::arange(classes, torch::kLong).repeat_interleave(200);
  PerClassMetric metric(nullptr, reference, referenceLabels, classes);
  // Drawn for class 0: its test images themselves (FD 0), 9 of 10 labelled 0 by the classifier.
  // Drawn for class 1: its test images moved by 2 along every axis (FD = ‖(2, 2, 2)‖² = 12), 1 of 4 labelled 1.
  // Class 2: not drawn.
  ImageFeatures generated;
  generated.features = torch::cat({reference.slice(0, 0, 200), reference.slice(0, 200, 400) + 2});
  generated.labels = torch::cat({torch::zeros({200}, torch::kLong), torch::ones({200}, torch::kLong)});
  std::vector<int64_t> predicted(400, 2);
  for (int i = 0; i < 180; ++i) predicted[i] = 0;    // 90% of class 0's
  for (int i = 200; i < 250; ++i) predicted[i] = 1;  // 25% of class 1's
  generated.probabilities = probabilitiesOf(predicted, classes);
  // In two parts, as an evaluator feeds them.
  ImageFeatures first{generated.features.slice(0, 0, 150), generated.probabilities.slice(0, 0, 150),
                      generated.labels.slice(0, 0, 150)};
  ImageFeatures second{generated.features.slice(0, 150), generated.probabilities.slice(0, 150),
                       generated.labels.slice(0, 150)};
  metric.updateFeatures(first);
  metric.updateFeatures(second);
  auto r = metric.compute();
  EXPECT_NEAR(r["accuracy"][0].get<double>(), 0.9, 1e-12);
  EXPECT_NEAR(r["accuracy"][1].get<double>(), 0.25, 1e-12);
  EXPECT_TRUE(r["accuracy"][2].is_null());
  EXPECT_NEAR(r["fd"][0].get<double>(), 0.0, 1e-6);
  EXPECT_NEAR(r["fd"][1].get<double>(), 12.0, 1e-6);
  EXPECT_EQ(r["samples"], nlohmann::json({200, 200, 0}));
  EXPECT_NEAR(r["mean_accuracy"].get<double>(), 0.575, 1e-12);
  EXPECT_NEAR(r["lowest_accuracy"].get<double>(), 0.25, 1e-12);
  EXPECT_EQ(r["lowest_class"].get<int64_t>(), 1);
  EXPECT_NEAR(r["mean_fd"].get<double>(), 6.0, 1e-6);
  EXPECT_EQ(r["classes_drawn"].get<int64_t>(), 2);
}

TEST(PerClassMetricTest, SamplesWithoutTheirClassesAreRefused) {
  auto reference = torch::randn({20, 2});
  PerClassMetric metric(nullptr, reference, torch::arange(2, torch::kLong).repeat_interleave(10), 2);
  metric.updateFeatures({torch::randn({10, 2}), probabilitiesOf(std::vector<int64_t>(10, 0), 2), {}});
  try {
    metric.compute();
    FAIL() << "unlabelled samples were judged";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("conditional run"), std::string::npos) << e.what();
  }
}
