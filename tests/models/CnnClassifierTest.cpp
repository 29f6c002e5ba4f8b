#include "gantry/models/CnnClassifier.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using gantry::models::CnnClassifier;
using gantry::models::CnnClassifierOptions;

TEST(CnnClassifierTest, ShapesOfLogitsAndFeatures) {
  CnnClassifier model(CnnClassifierOptions(1, 28, 10));
  auto x = torch::rand({3, 1, 28, 28});
  EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{3, 10}));
  auto features = model->features(x);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{3, 128}));
  EXPECT_GE(features.min().item<float>(), 0.0f);  // after the ReLU
  // conv 1·32·25 + 32, conv 32·64·25 + 64, linear 64·7·7·128 + 128, linear 128·10 + 10.
  int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  EXPECT_EQ(parameters, (32 * 25 + 32) + (32 * 64 * 25 + 64) + (64 * 49 * 128 + 128) + (128 * 10 + 10));
}

TEST(CnnClassifierTest, DropoutOnlyWhileTraining) {
  torch::manual_seed(1);
  CnnClassifier model(CnnClassifierOptions(1, 28, 10));
  auto x = torch::rand({4, 1, 28, 28});
  model->eval();
  EXPECT_TRUE(torch::equal(model->forward(x), model->forward(x)));
  EXPECT_TRUE(torch::allclose(model->forward(x), model->logitsOf(model->features(x))));
  model->train();
  EXPECT_FALSE(torch::equal(model->forward(x), model->forward(x)));
}
