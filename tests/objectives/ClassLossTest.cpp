// AC-GAN's class term (gantry/objectives/ClassLoss.h) against values worked
// by hand.
#include "gantry/objectives/ClassLoss.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

TEST(ClassLossTest, IsTheWeightedMeanCrossEntropyOfTheLabels) {
  // Two classes: −log softmax picks log(1 + e^(other − own)).
  auto logits = torch::tensor({{2.0, 0.0}, {0.0, 1.0}, {3.0, 3.0}});
  auto labels = torch::tensor({0, 1, 1});
  const double expected = (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0)) + std::log(2.0)) / 3.0;
  gantry::objectives::ClassLoss loss{0.5};
  EXPECT_NEAR(loss(logits, labels).item<double>(), 0.5 * expected, 1e-7);
  gantry::objectives::ClassLoss off{0.0};
  EXPECT_EQ(off(logits, labels).item<double>(), 0.0);
}
