#include "gantry/train/OptimizerSpec.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using gantry::train::OptimizerSpec;

namespace {

OptimizerSpec paperSgd() {
  OptimizerSpec spec;
  spec.kind = OptimizerSpec::Kind::Sgd;
  spec.lr = 0.1;
  spec.lr_decay = 1.000004;
  spec.lr_min = 1e-6;
  spec.momentum = 0.5;
  spec.momentum_final = 0.7;
  spec.momentum_start = 1;
  spec.momentum_end = 250;
  return spec;
}

}  // namespace

TEST(OptimizerSpecTest, LearningRateDecaysPerUpdateToItsFloor) {
  auto spec = paperSgd();
  EXPECT_DOUBLE_EQ(spec.learningRate(0), 0.1);
  EXPECT_NEAR(spec.learningRate(1), 0.1 / 1.000004, 1e-15);
  EXPECT_NEAR(spec.learningRate(250000), 0.1 / std::pow(1.000004, 250000), 1e-12);  // ≈ 0.0368
  EXPECT_DOUBLE_EQ(spec.learningRate(10000000), 1e-6);                              // 0.1/e^40 is far below the floor
  spec.lr_decay = 1.0;
  EXPECT_DOUBLE_EQ(spec.learningRate(10000000), 0.1);
}

TEST(OptimizerSpecTest, MomentumRampsLinearlyBetweenItsEpochs) {
  auto spec = paperSgd();
  EXPECT_DOUBLE_EQ(spec.momentumAt(0), 0.5);
  EXPECT_DOUBLE_EQ(spec.momentumAt(1), 0.5);
  EXPECT_NEAR(spec.momentumAt(125), 0.5 + 0.2 * 124.0 / 249.0, 1e-12);
  EXPECT_DOUBLE_EQ(spec.momentumAt(250), 0.7);
  EXPECT_DOUBLE_EQ(spec.momentumAt(1000), 0.7);
  spec.momentum_end = 0;  // no ramp
  EXPECT_DOUBLE_EQ(spec.momentumAt(1000), 0.5);
}

TEST(OptimizerSpecTest, ApplySetsTheOptimizersRateAndMomentum) {
  auto spec = paperSgd();
  auto p = torch::zeros({3}, torch::requires_grad());
  auto optimizer = spec.make({p});
  spec.apply(*optimizer, 1000, 250);
  auto& options = static_cast<torch::optim::SGDOptions&>(optimizer->param_groups()[0].options());
  EXPECT_NEAR(options.lr(), 0.1 / std::pow(1.000004, 1000), 1e-15);
  EXPECT_DOUBLE_EQ(options.momentum(), 0.7);
  // One step with momentum buffer b = g: p -= lr·g.
  p.mutable_grad() = torch::ones({3});
  optimizer->step();
  EXPECT_NEAR(p[0].item<double>(), -options.lr(), 1e-7);
}

TEST(OptimizerSpecTest, RmsPropStepsByTheGradientOverItsRunningRms) {
  // First RMSProp step: v = (1 − α)·g², p −= lr·g / (√v + ε); with g = 2,
  // α = 0.9: √v = 2·√0.1, so p moves by lr/√0.1 whatever g's size.
  OptimizerSpec spec;
  spec.kind = OptimizerSpec::parseKind("rmsprop");
  spec.lr = 5e-5;
  spec.rmsprop_alpha = 0.9;
  auto p = torch::zeros({2}, torch::requires_grad());
  auto optimizer = spec.make({p});
  spec.apply(*optimizer, 0, 0);
  p.mutable_grad() = torch::full({2}, 2.0);
  optimizer->step();
  EXPECT_NEAR(p[0].item<double>(), -5e-5 * 2.0 / (2.0 * std::sqrt(0.1) + 1e-8), 1e-10);
}
