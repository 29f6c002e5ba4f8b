#include "gantry/models/LatentPrior.h"
#include "gantry/models/Maxout.h"
#include "gantry/models/Mlp.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace gantry::models;

namespace {

int64_t parameterCount(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

MlpGenerator paperGenerator() {
  return MlpGenerator(MlpGeneratorOptions(100, {1, 28, 28})
                          .hidden({1200, 1200})
                          .activation(Activation::ReLU)
                          .output_activation(Activation::Sigmoid)
                          .init_range(0.05));
}

MlpDiscriminator paperDiscriminator() {
  return MlpDiscriminator(MlpDiscriminatorOptions({1, 28, 28})
                              .hidden({240, 240})
                              .activation(Activation::Maxout)
                              .maxout_pieces(5)
                              .input_keep(0.8)
                              .hidden_keep(0.5)
                              .init_range(0.005));
}

}  // namespace

TEST(MlpTest, PaperNetworksHaveTheirExactShapes) {
  torch::manual_seed(0);
  auto g = paperGenerator();
  auto d = paperDiscriminator();
  EXPECT_EQ(parameterCount(g), (100 * 1200 + 1200) + (1200 * 1200 + 1200) + (1200 * 784 + 784));
  EXPECT_EQ(parameterCount(d), (784 * 1200 + 1200) + (240 * 1200 + 1200) + (240 + 1));
  auto z = LatentPrior(LatentPrior::Kind::Uniform, 100).sample(7);
  auto x = g.forward(z);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{7, 1, 28, 28}));
  EXPECT_GT(x.min().item<double>(), 0.0);
  EXPECT_LT(x.max().item<double>(), 1.0);
  EXPECT_EQ(d.forward(x).logits.sizes(), (std::vector<int64_t>{7}));
  // Uniform init in ±range, biases zero.
  for (const auto& p : g.named_parameters()) {
    if (p.key().find("bias") != std::string::npos)
      EXPECT_EQ(p.value().abs().max().item<double>(), 0.0);
    else
      EXPECT_LE(p.value().abs().max().item<double>(), 0.05);
  }
  for (const auto& p : d.named_parameters())
    if (p.key().find("weight") != std::string::npos) EXPECT_LE(p.value().abs().max().item<double>(), 0.005);
}

TEST(MlpTest, MaxoutTakesTheMaxOfEachUnitsPieces) {
  Maxout layer(3, 2, 4);
  auto x = torch::randn({5, 3});
  auto affine = torch::matmul(x, layer->linear->weight.t()) + layer->linear->bias;  // [5, 8]
  auto expected =
      torch::stack({std::get<0>(affine.slice(1, 0, 4).max(1)), std::get<0>(affine.slice(1, 4, 8).max(1))}, 1);
  EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-6, 1e-6));
}

TEST(MlpTest, DropoutKeepsWithTheGivenProbabilityAndScales) {
  torch::manual_seed(1);
  // One identity-like layer so the effect of input dropout is visible.
  MlpDiscriminator d(MlpDiscriminatorOptions({1000}).hidden({}).input_keep(0.8));
  {
    torch::NoGradGuard guard;
    for (auto& p : d.parameters()) p.fill_(0.0);
    d.named_parameters()["output.weight"].fill_(1.0);
  }
  auto x = torch::ones({400, 1000});
  d.eval();
  EXPECT_TRUE(torch::allclose(d.forward(x).logits, torch::full({400}, 1000.0)));
  d.train();
  auto y = d.forward(x).logits;  // sum of 1000 inputs, each kept (×1.25) with p = 0.8
  // Mean 1000; per-sample sd = 1.25·sqrt(1000·0.8·0.2) ≈ 15.8; the mean of 400 has sd ≈ 0.8.
  EXPECT_NEAR(y.mean().item<double>(), 1000.0, 4.0);
  EXPECT_NEAR(y.std().item<double>(), 1.25 * std::sqrt(1000 * 0.8 * 0.2), 2.0);
}

TEST(MlpTest, OutputBiasSetsTheStartingMarginals) {
  auto g = paperGenerator();
  auto target = torch::rand({1, 28, 28}) * 0.9 + 0.05;
  g.setOutputBias(torch::logit(target));
  {
    torch::NoGradGuard guard;
    for (auto& p : g.named_parameters())
      if (p.key().rfind("output", 0) != 0) p.value().zero_();  // hidden layers output 0
  }
  auto x = g.forward(torch::randn({2, 100}));
  EXPECT_TRUE(torch::allclose(x[0], target, 1e-5, 1e-5));
}

TEST(MlpTest, OrthogonalInitGivesScaledOrthonormalWeightsAndZeroBiases) {
  // The unrolled GAN's networks: a weight W (out x in) has W W^T = g^2 I when
  // out <= in, W^T W = g^2 I when out > in.
  const double gain = 1.4;
  MlpGenerator g(MlpGeneratorOptions(256, {2}).hidden({128, 128}).activation(Activation::Tanh).orthogonal_gain(gain));
  MlpDiscriminator d(
      MlpDiscriminatorOptions({2}).hidden({128, 128}).activation(Activation::Tanh).orthogonal_gain(gain));
  int weights = 0;
  for (auto* module : std::vector<torch::nn::Module*>{&g, &d}) {
    for (auto& p : module->named_parameters()) {
      auto w = p.value().detach().to(torch::kFloat64);
      if (p.key().find("bias") != std::string::npos) {
        EXPECT_EQ(w.abs().max().item<double>(), 0.0) << p.key();
        continue;
      }
      ++weights;
      auto gram = w.size(0) <= w.size(1) ? w.mm(w.t()) : w.t().mm(w);
      auto identity = torch::eye(gram.size(0), torch::kFloat64) * gain * gain;
      EXPECT_LT((gram - identity).abs().max().item<double>(), 1e-5) << p.key();
    }
  }
  EXPECT_EQ(weights, 6);
}

TEST(LatentPriorTest, UniformHasUnitVarianceOnItsBoundedSupport) {
  torch::manual_seed(2);
  auto z = LatentPrior(LatentPrior::Kind::Uniform, 10).sample(50000);
  EXPECT_LE(z.abs().max().item<double>(), std::sqrt(3.0));
  EXPECT_GT(z.abs().max().item<double>(), 1.7);
  EXPECT_NEAR(z.var().item<double>(), 1.0, 0.02);
  auto n = LatentPrior(LatentPrior::Kind::Normal, 10).sample(50000);
  EXPECT_NEAR(n.var().item<double>(), 1.0, 0.02);
  EXPECT_GT(n.abs().max().item<double>(), 3.5);  // unbounded: 5e5 draws reach past 3.5
}

namespace {

std::vector<torch::Tensor> gradientsOf(const torch::Tensor& loss, torch::nn::Module& module) {
  return torch::autograd::grad({loss}, module.parameters());
}

void expectPairMatchesTwoForwards(MlpDiscriminator& d, const torch::Tensor& real, const torch::Tensor& fake) {
  torch::manual_seed(11);
  auto [rOut, fOut] = d.forwardPair({real, {}}, {fake, {}});
  auto r = rOut.logits, f = fOut.logits;
  auto afterPair = torch::rand({1});  // the generator's state after the draws
  auto paired = gradientsOf(torch::softplus(-r).mean() + torch::softplus(f).mean(), d);
  torch::manual_seed(11);
  auto r2 = d.forward(real).logits;
  auto f2 = d.forward(fake).logits;
  auto afterTwo = torch::rand({1});
  auto separate = gradientsOf(torch::softplus(-r2).mean() + torch::softplus(f2).mean(), d);
  EXPECT_TRUE(torch::equal(r, r2));
  EXPECT_TRUE(torch::equal(f, f2));
  EXPECT_TRUE(torch::equal(afterPair, afterTwo)) << "the pair drew a different number of random values";
  ASSERT_EQ(paired.size(), separate.size());
  for (size_t i = 0; i < paired.size(); ++i) EXPECT_TRUE(torch::equal(paired[i], separate[i])) << "parameter " << i;
}

}  // namespace

TEST(MlpTest, ForwardPairIsBitForBitTwoForwardsWithDropoutAndMaxout) {
  auto d = paperDiscriminator();
  torch::manual_seed(3);
  auto real = torch::rand({100, 1, 28, 28});
  auto fake = torch::rand({100, 1, 28, 28});
  expectPairMatchesTwoForwards(d, real, fake);
  d.eval();  // no dropout
  expectPairMatchesTwoForwards(d, real, fake);
}

TEST(MlpTest, ForwardPairIsBitForBitTwoForwardsWithLeakyReLU) {
  MlpDiscriminator d(MlpDiscriminatorOptions({2}).hidden({128, 128, 128}).activation(Activation::LeakyReLU));
  torch::manual_seed(4);
  expectPairMatchesTwoForwards(d, torch::randn({128, 2}), torch::randn({128, 2}));
}

TEST(MlpTest, OverlappedForwardPairIsBitForBitTwoForwards) {
  // With a core free, forwardPair runs each batch's chain on its own thread
  // (pairedMlp; maxout keeps the layer-by-layer pass, its products overlapped).
  // Also when the execution asks for twice-differentiable passes (the
  // layer-by-layer pass then, whatever the activation).
  for (bool twice : {false, true})
    for (auto activation : {Activation::LeakyReLU, Activation::ReLU, Activation::Maxout}) {
      SCOPED_TRACE(activationName(activation) + (twice ? ", twice differentiable" : ""));
      MlpDiscriminator d(MlpDiscriminatorOptions({2})
                             .hidden({128, 128, 128})
                             .activation(activation)
                             .maxout_pieces(3)
                             .input_keep(0.9)
                             .hidden_keep(0.5));
      d.setExecution({/*overlap=*/true, twice});
      torch::manual_seed(4);
      expectPairMatchesTwoForwards(d, torch::randn({128, 2}), torch::randn({128, 2}));
    }
}

TEST(MlpTest, OverlappedGeneratorGradientsAreBitForBitThePlainOnes) {
  MlpGenerator g(MlpGeneratorOptions(2, {2}).hidden({128, 128, 128}));
  torch::manual_seed(6);
  auto z = torch::randn({128, 2});
  auto upstream = torch::randn({128, 2});
  auto gradients = [&](bool overlap) {
    g.setExecution({overlap, false});
    auto params = g.parameters();
    return torch::autograd::grad({(g.forward(z) * upstream).sum()}, params);
  };
  auto overlappedGrads = gradients(true);
  auto serialGrads = gradients(false);
  // And against LibTorch's own Linear modules' autograd.
  auto h = z;
  auto params = g.parameters();  // hidden.0.weight, hidden.0.bias, ..., output.weight, output.bias
  for (size_t i = 0; i + 2 < params.size(); i += 2)
    h = torch::relu(torch::nn::functional::linear(h, params[i], params[i + 1]));
  auto out = torch::nn::functional::linear(h, params[params.size() - 2], params.back());
  auto plain = torch::autograd::grad({(out * upstream).sum()}, params);
  ASSERT_EQ(overlappedGrads.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(torch::equal(overlappedGrads[i], plain[i])) << "parameter " << i;
    EXPECT_TRUE(torch::equal(serialGrads[i], plain[i])) << "parameter " << i;
  }
}

TEST(MlpTest, MaxoutKernelMatchesTheStridedMaxIncludingTiesAndNaN) {
  Maxout maxout(4, 3, 4);
  torch::manual_seed(5);
  auto y = torch::randn({6, 12});
  y[0].fill_(0.5);                                                  // all pieces tied: the first wins
  y[1].slice(0, 4, 8).copy_(torch::tensor({1.0, 2.0, 2.0, -1.0}));  // a tie for the max
  y[2][9] = std::nan("");                                           // a NaN wins its unit
  y[3][4] = std::nan("");                                           // also as its unit's first piece
  y.requires_grad_();
  auto fast = maxout->activate(y);
  auto reference = std::get<0>(y.view({6, 3, 4}).max(2));
  EXPECT_TRUE(torch::equal(fast.nan_to_num(-7), reference.nan_to_num(-7)));
  auto upstream = torch::randn({6, 3});
  auto gradFast = torch::autograd::grad({(fast * upstream).nansum()}, {y})[0];
  auto gradReference = torch::autograd::grad({(reference * upstream).nansum()}, {y})[0];
  EXPECT_TRUE(torch::equal(gradFast, gradReference));
  // Each unit's gradient lands on exactly one piece (nansum gives the NaN units none).
  EXPECT_EQ((gradFast != 0).sum().item<int64_t>(), 6 * 3 - 2);
}

TEST(MlpTest, MaxoutSupportsSecondOrderGradients) {
  // A gradient penalty differentiates D's input gradient again (create_graph).
  Maxout maxout(3, 4, 2);
  torch::manual_seed(6);
  auto x = torch::randn({8, 3}).requires_grad_();
  auto secondOrder = [&](const torch::Tensor& out) {
    auto g = torch::autograd::grad({out.pow(2).sum()}, {x}, {}, true, true)[0];
    return torch::autograd::grad({g.pow(2).sum()}, {maxout->linear->weight})[0];
  };
  auto fast = secondOrder(maxout->forward(x));
  auto reference = secondOrder(std::get<0>(maxout->linear(x).view({8, 4, 2}).max(2)));
  EXPECT_GT(fast.abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(fast, reference, 1e-6, 1e-5));
}

TEST(MlpTest, GeneratorBatchNormAndNormalInitAsPacGANsCode) {
  using namespace gantry::models;
  torch::manual_seed(4);
  MlpGenerator g(MlpGeneratorOptions(2, {2}).hidden({400, 400}).init_std(0.02).batch_norm(true));
  auto p = g.named_parameters();
  EXPECT_FALSE(p.contains("hidden.0.bias"));                            // batch norm would cancel it
  EXPECT_NEAR(p["hidden.1.weight"].std().item<double>(), 0.02, 0.001);  // 160,000 draws
  EXPECT_TRUE(torch::equal(p["norms.0.weight"], torch::ones({400})));   // batch norm's own start
  EXPECT_TRUE(torch::equal(p["output.bias"], torch::zeros({2})));
  // Training mode: the first layer's products are normalised over the batch,
  // so shifting every code alike changes nothing (and no bias carries it).
  g.train();
  auto z = torch::randn({256, 2});
  auto x = g.forward(z), moved = g.forward(z + torch::tensor({{5.0, -2.0}}));
  EXPECT_TRUE(torch::allclose(x, moved, 1e-3, 1e-4)) << (x - moved).abs().max().item<double>();
  EXPECT_GT(x.std().item<double>(), 1e-3);  // and the samples differ
}
