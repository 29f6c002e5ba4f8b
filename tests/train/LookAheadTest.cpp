#include "gantry/train/LookAhead.h"

#include "gantry/train/OptimizerSpec.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using gantry::train::LookAheadOptimizer;
using gantry::train::OptimizerSpec;

namespace {

/// Three steps of LibTorch's optimizer and of the look-ahead from the same
/// state (after two real steps, so that moments and momentum are not zero):
/// the same parameters to float32 rounding; and the look-ahead leaves the
/// real optimizer's state and parameters alone.
void expectLookAheadFollowsTheOptimizer(OptimizerSpec spec) {
  torch::manual_seed(3);
  auto p = torch::randn({50}).requires_grad_();
  auto target = torch::randn({50});
  auto optimizer = spec.make({p});
  auto gradientAt = [&](const torch::Tensor& w) { return (2.0 * (w - target) * (1.0 + w.abs())).detach(); };
  for (int i = 0; i < 2; ++i) {
    p.mutable_grad() = gradientAt(p);
    optimizer->step();
  }
  LookAheadOptimizer lookAhead(*optimizer, {p}, spec.kind);
  std::vector<torch::Tensor> w{p.detach().clone()};
  auto before = p.detach().clone();
  for (int i = 0; i < 3; ++i) w = lookAhead.step(w, {gradientAt(w[0])});
  EXPECT_TRUE(torch::equal(p.detach(), before)) << "the look-ahead moved the real parameters";
  for (int i = 0; i < 3; ++i) {
    p.mutable_grad() = gradientAt(p);
    optimizer->step();
  }
  EXPECT_TRUE(torch::allclose(w[0], p.detach(), 1e-5, 1e-6)) << (w[0] - p).abs().max().item<double>();
}

}  // namespace

TEST(LookAheadTest, StepsAsAdamSgdWithMomentumAndRmsprop) {
  OptimizerSpec adam;
  adam.kind = OptimizerSpec::Kind::Adam;
  adam.lr = 0.01;
  adam.beta1 = 0.5;
  adam.beta2 = 0.9;
  expectLookAheadFollowsTheOptimizer(adam);
  OptimizerSpec sgd;
  sgd.kind = OptimizerSpec::Kind::Sgd;
  sgd.lr = 0.05;
  sgd.momentum = 0.7;
  expectLookAheadFollowsTheOptimizer(sgd);
  sgd.momentum = 0.0;
  expectLookAheadFollowsTheOptimizer(sgd);
  OptimizerSpec rmsprop;
  rmsprop.kind = OptimizerSpec::Kind::RmsProp;
  rmsprop.lr = 0.01;
  rmsprop.rmsprop_alpha = 0.9;
  expectLookAheadFollowsTheOptimizer(rmsprop);
}

TEST(LookAheadTest, IsDifferentiableThroughTheMoments) {
  // d/dx of one Adam step of p = x with gradient g = x², from a state with
  // moments: the update reads x through the gradient, the first and the
  // second moment; compare with a central difference.
  OptimizerSpec adam;
  adam.kind = OptimizerSpec::Kind::Adam;
  adam.lr = 0.1;
  auto anchor = torch::zeros({1}, torch::kFloat64).requires_grad_();
  auto optimizer = adam.make({anchor});
  // Moments that are not those of a first step (whose m̂/√v̂ is ±1 whatever x).
  for (double g : {0.5, 0.2}) {
    anchor.mutable_grad() = torch::full({1}, g, torch::kFloat64);
    optimizer->step();
  }
  auto stepped = [&](double x0) {
    LookAheadOptimizer lookAhead(*optimizer, {anchor}, adam.kind);
    auto x = torch::full({1}, x0, torch::kFloat64).requires_grad_();
    auto next = lookAhead.step({x}, {x * x})[0];
    return std::make_pair(next, x);
  };
  auto [next, x] = stepped(0.7);
  auto analytic = torch::autograd::grad({next.sum()}, {x})[0].item<double>();
  const double h = 1e-6;
  auto numeric = (stepped(0.7 + h).first.item<double>() - stepped(0.7 - h).first.item<double>()) / (2 * h);
  EXPECT_NEAR(analytic, numeric, 1e-6);
  EXPECT_GT(std::abs(analytic - 1.0), 1e-3) << "the step depends on x beyond p = x";
}
