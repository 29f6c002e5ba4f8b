#include "gantry/eval/ClassHistogram.h"
#include "gantry/eval/ClassifierScore.h"
#include "gantry/eval/Evaluator.h"
#include "gantry/eval/FrechetDistance.h"
#include "gantry/eval/MixtureMetrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

namespace {

/// An untrained classifier of 8×8 images that counts its passes.
class CountingExtractor : public gantry::eval::FeatureExtractor {
 public:
  CountingExtractor()
      : FeatureExtractor(
            gantry::models::CnnClassifier(
                gantry::models::CnnClassifierOptions(1, 8, 3).conv1_channels(2).conv2_channels(2).feature_dim(5)),
            torch::kCPU, 7) {}
  gantry::eval::ImageFeatures extract(const torch::Tensor& images) const override {
    ++passes;
    return FeatureExtractor::extract(images);
  }
  mutable int passes = 0;
};

}  // namespace

TEST(EvaluatorTest, FeatureMetricsShareOnePassOfTheClassifier) {
  torch::manual_seed(41);
  auto extractor = std::make_shared<CountingExtractor>();
  auto reference = extractor->extract(torch::rand({40, 1, 8, 8}));
  extractor->passes = 0;
  gantry::eval::Evaluator evaluator;
  evaluator.add(std::make_unique<gantry::eval::FrechetDistanceMetric>(extractor, reference.features));
  evaluator.add(std::make_unique<gantry::eval::ClassifierScoreMetric>(extractor, 2));
  evaluator.add(
      std::make_unique<gantry::eval::ClassHistogramMetric>(extractor, torch::full({3}, 1.0 / 3, torch::kFloat64)));
  auto samples = torch::rand({30, 1, 8, 8});
  evaluator.update(samples.slice(0, 0, 20));
  evaluator.update(samples.slice(0, 20));
  EXPECT_EQ(extractor->passes, 2);  // one per batch, not one per metric
  auto results = evaluator.compute();
  EXPECT_EQ(results.size(), 3u);

  // The same figures as each metric fed on its own.
  gantry::eval::FrechetDistanceMetric alone(extractor, reference.features);
  alone.update(samples);
  EXPECT_NEAR(results["fd"]["fd"].get<double>(), alone.compute()["fd"].get<double>(), 1e-9);
  gantry::eval::ClassifierScoreMetric score(extractor, 2);
  score.update(samples);
  EXPECT_NEAR(results["classifier-score"]["score_mean"].get<double>(), score.compute()["score_mean"].get<double>(),
              1e-9);
  EXPECT_EQ(results["classes"]["samples"], 30);
}

TEST(EvaluatorTest, OtherMetricsGetTheSamplesAndResetStartsOver) {
  auto ring = gantry::data::makeToyDistribution("ring8");
  gantry::eval::Evaluator evaluator;
  evaluator.add(std::make_unique<gantry::eval::MixtureCoverageMetric>(std::move(ring)));
  auto modes = gantry::data::makeToyDistribution("ring8")->means().to(torch::kFloat32);
  evaluator.update(modes);
  EXPECT_EQ(evaluator.compute()["modes"]["modes_captured"], 8);
  ASSERT_NE(evaluator.find("modes"), nullptr);
  EXPECT_EQ(evaluator.find("fd"), nullptr);
  evaluator.reset();
  evaluator.update(modes.slice(0, 0, 3));
  EXPECT_EQ(evaluator.compute()["modes"]["modes_captured"], 3);
}
