#include "gantry/eval/EvalCallback.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/eval/MixtureMetrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

TEST(EvalCallbackTest, EvaluatesEveryNStepsAndAtTheEnd) {
  gantry::Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, "ring8");
  auto trainer = gantry::app::buildTrainer(config);
  auto evaluator = std::make_shared<gantry::eval::Evaluator>();
  evaluator->add(std::make_unique<gantry::eval::MixtureCoverageMetric>(gantry::app::toyDistribution(config)));
  std::vector<nlohmann::json> lines;
  gantry::eval::EvalCallback callback(evaluator, 5, torch::randn({300, 2}),
                                      [&](const nlohmann::json& line) { lines.push_back(line); });
  trainer->run(12, {&callback});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["step"], 5);
  EXPECT_EQ(lines[1]["step"], 10);
  EXPECT_EQ(lines[2]["step"], 12);
  for (const auto& line : lines) {
    EXPECT_EQ(line["eval_samples"], 300);
    EXPECT_EQ(line["eval"]["modes"]["samples"], 300);  // each evaluation starts afresh
    EXPECT_GE(line["eval_s"].get<double>(), 0.0);
  }
  EXPECT_TRUE(trainer->generator().is_training()) << "the generator goes back to training mode";
}
