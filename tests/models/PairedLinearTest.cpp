#include "gantry/models/PairedLinear.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace gantry::models;
using gantry::test::expectIdenticalTensors;

namespace {

struct Layer {
  torch::Tensor first, second, weight, bias;
};

/// Shapes of the 2014 discriminator's first layer, where rounding would show.
Layer randomLayer(int64_t rows = 100, int64_t in = 784, int64_t out = 1200) {
  torch::manual_seed(7);
  return {torch::rand({rows, in}).requires_grad_(), torch::rand({rows, in}).requires_grad_(),
          (torch::rand({out, in}) - 0.5).requires_grad_(), (torch::rand({out}) - 0.5).requires_grad_()};
}

/// pairedLinear against two calls of linear: outputs and every gradient.
void expectPairIsTwoLinears(const Layer& l, bool overlap = false) {
  auto [a, b] = pairedLinear(l.first, l.second, l.weight, l.bias, overlap);
  auto a2 = torch::nn::functional::linear(l.first, l.weight, l.bias);
  auto b2 = torch::nn::functional::linear(l.second, l.weight, l.bias);
  EXPECT_TRUE(torch::equal(a, a2));
  EXPECT_TRUE(torch::equal(b, b2));

  // A loss that weighs the two outputs differently, as a GAN's does.
  auto upstreamA = torch::randn_like(a), upstreamB = torch::randn_like(b);
  std::vector<torch::Tensor> inputs{l.first, l.second, l.weight, l.bias};
  auto paired = torch::autograd::grad({(a * upstreamA).sum() + (b * upstreamB).sum()}, inputs);
  auto separate = torch::autograd::grad({(a2 * upstreamA).sum() + (b2 * upstreamB).sum()}, inputs);
  expectIdenticalTensors(paired, separate);
  // The weight gradient really is the sum of both batches' products.
  auto expected = upstreamA.t().mm(l.first.detach()) + upstreamB.t().mm(l.second.detach());
  EXPECT_TRUE(torch::allclose(paired[2], expected, 1e-5, 1e-4));
}

}  // namespace

TEST(PairedLinearTest, OutputsAndGradientsAreBitForBitThoseOfTwoLinears) { expectPairIsTwoLinears(randomLayer()); }

TEST(PairedLinearTest, ComputesOnlyTheGradientsThatAreAskedFor) {
  auto l = randomLayer(32, 20, 10);
  auto [a, b] = pairedLinear(l.first, l.second, l.weight, l.bias);
  auto b2 = torch::nn::functional::linear(l.second, l.weight, l.bias);
  // Only the second output feeds the loss, and only the second input's
  // gradient is requested (G's step through D's fake pass).
  auto paired = torch::autograd::grad({b.pow(2).sum()}, {l.second}, {}, /*retain_graph=*/true);
  auto separate = torch::autograd::grad({b2.pow(2).sum()}, {l.second});
  expectIdenticalTensors(paired, separate);
  // An output that does not reach the loss contributes nothing.
  auto weightOnly = torch::autograd::grad({b.sum()}, {l.weight})[0];
  EXPECT_TRUE(torch::allclose(weightOnly, torch::ones({32, 10}).t().mm(l.second.detach())));
}

TEST(PairedLinearTest, SupportsSecondOrderGradients) {
  auto l = randomLayer(16, 6, 5);
  auto penalty = [&](const torch::Tensor& a, const torch::Tensor& b) {
    auto g = torch::autograd::grad({torch::tanh(a).sum() + torch::tanh(b).sum()}, {l.first, l.second}, {},
                                   /*retain_graph=*/true, /*create_graph=*/true);
    return torch::autograd::grad({g[0].pow(2).sum() + g[1].pow(2).sum()}, {l.weight})[0];
  };
  auto [a, b] = pairedLinear(l.first, l.second, l.weight, l.bias);
  auto paired = penalty(a, b);
  auto separate = penalty(torch::nn::functional::linear(l.first, l.weight, l.bias),
                          torch::nn::functional::linear(l.second, l.weight, l.bias));
  EXPECT_GT(paired.abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(paired, separate, 1e-6, 1e-5));
}

TEST(PairedLinearTest, OverlappedProductsGiveTheSameBits) { expectPairIsTwoLinears(randomLayer(128, 128, 128), true); }

TEST(PairedLinearTest, OverlappedLinearIsBitForBitLinear) {
  for (bool overlap : {false, true}) {
    auto l = randomLayer(128, 100, 120);
    auto y = overlappedLinear(l.first, l.weight, l.bias, overlap);
    auto y2 = torch::nn::functional::linear(l.first, l.weight, l.bias);
    EXPECT_TRUE(torch::equal(y, y2));
    auto upstream = torch::randn_like(y);
    std::vector<torch::Tensor> inputs{l.first, l.weight, l.bias};
    expectIdenticalTensors(torch::autograd::grad({(y * upstream).sum()}, inputs),
                           torch::autograd::grad({(y2 * upstream).sum()}, inputs));
    // The first layer of G: its input (noise) needs no gradient.
    auto z = l.second.detach();
    std::vector<torch::Tensor> parameters{l.weight, l.bias};
    expectIdenticalTensors(
        torch::autograd::grad({overlappedLinear(z, l.weight, l.bias, overlap).pow(2).sum()}, parameters),
        torch::autograd::grad({torch::nn::functional::linear(z, l.weight, l.bias).pow(2).sum()}, parameters));
  }
}
