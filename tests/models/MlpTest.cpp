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
  EXPECT_EQ(d.forward(x).sizes(), (std::vector<int64_t>{7}));
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
  EXPECT_TRUE(torch::allclose(d.forward(x), torch::full({400}, 1000.0)));
  d.train();
  auto y = d.forward(x);  // sum of 1000 inputs, each kept (×1.25) with p = 0.8
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
