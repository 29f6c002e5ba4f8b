// The DCGAN players (gantry/models/Dcgan.h): the geometry of the paper's
// architecture for 28, 32 and 64 px, its initialisation, and what D and G
// return.
#include "gantry/models/Dcgan.h"

#include "gantry/core/Error.h"
#include "gantry/models/ConcatConditioning.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

using namespace gantry::models;

namespace {

DcganOptions options(std::vector<int64_t> sampleShape, int64_t width, bool batchNorm = true) {
  DcganOptions o;
  o.shape = dcganShape(sampleShape);
  o.latentDim = 16;
  o.width = width;
  o.norm = batchNorm ? DcganNorm::Batch : DcganNorm::None;
  return o;
}

/// Shapes of the parameters whose name contains `part`, in order.
std::vector<std::vector<int64_t>> shapesOf(const torch::nn::Module& module, const std::string& part) {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : module.named_parameters())
    if (p.key().find(part) != std::string::npos && p.value().dim() == 4) shapes.push_back(p.value().sizes().vec());
  return shapes;
}

int64_t batchNorms(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& m : module.modules(/*include_self=*/false))
    if (m->as<torch::nn::BatchNorm2dImpl>()) ++n;
  return n;
}

}  // namespace

TEST(DcganTest, SidesHalveToABaseOfAtLeastFour) {
  auto expect = [](std::vector<int64_t> sample, int64_t base, int64_t k) {
    auto s = dcganShape(sample);
    EXPECT_EQ(s.channels, sample[0]);
    EXPECT_EQ(s.side, sample[1]);
    EXPECT_EQ(s.base, base) << sample[1];
    EXPECT_EQ(s.upsamplings, k) << sample[1];
  };
  expect({1, 28, 28}, 7, 2);
  expect({3, 32, 32}, 4, 3);
  expect({3, 64, 64}, 4, 4);
  expect({1, 8, 8}, 4, 1);
  expect({1, 48, 48}, 6, 3);
  for (auto bad : std::vector<std::vector<int64_t>>{{2}, {784}, {1, 28, 27}, {1, 6, 6}, {3, 7, 7}}) {
    try {
      dcganShape(bad);
      ADD_FAILURE() << "accepted a sample shape of " << bad.size() << " dimensions";
    } catch (const gantry::UserError& e) {
      EXPECT_NE(std::string(e.what()).find("'model' = dcgan"), std::string::npos) << e.what();
    }
  }
}

TEST(DcganTest, ChannelsDoubleAtEachCoarserLevelAsInThePaper) {
  // 64 px RGB, w = 8: G 64 @ 4x4 -> 32 @ 8 -> 16 @ 16 -> 8 @ 32 -> 3 @ 64;
  // D 3 -> 8 @ 32 -> 16 @ 16 -> 32 @ 8 -> 64 @ 4 -> one logit.
  DcganGenerator g(options({3, 64, 64}, 8));
  DcganDiscriminator d(options({3, 64, 64}, 8));
  using Shapes = std::vector<std::vector<int64_t>>;
  // A transposed convolution's weight is [in, out, 4, 4], a convolution's [out, in, 4, 4].
  EXPECT_EQ(shapesOf(g, "weight"), (Shapes{{64, 32, 4, 4}, {32, 16, 4, 4}, {16, 8, 4, 4}, {8, 3, 4, 4}}));
  EXPECT_EQ(shapesOf(d, "weight"), (Shapes{{8, 3, 4, 4}, {16, 8, 4, 4}, {32, 16, 4, 4}, {64, 32, 4, 4}}));
  // Batch norm after G's projection and every inner layer; in D on every
  // layer but the first (the paper: not on D's input layer), and none when asked.
  EXPECT_EQ(batchNorms(g), 4);
  EXPECT_EQ(batchNorms(d), 3);
  EXPECT_EQ(batchNorms(DcganDiscriminator(options({3, 64, 64}, 8, /*batchNorm=*/false))), 0);

  auto z = torch::randn({5, 16});
  auto x = g.forward(z);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 3, 64, 64}));
  auto out = d.forward(x);
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{5}));
  EXPECT_EQ(out.features.sizes(), (std::vector<int64_t>{5, 64 * 4 * 4}));

  // 28 px: 7 -> 14 -> 28.
  DcganGenerator g28(options({1, 28, 28}, 4));
  EXPECT_EQ(shapesOf(g28, "weight"), (Shapes{{8, 4, 4, 4}, {4, 1, 4, 4}}));
  EXPECT_EQ(g28.forward(torch::randn({2, 16})).sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
}

TEST(DcganTest, OutputsLieInTheRangeOfTheirActivation) {
  auto o = options({1, 28, 28}, 4);
  auto x = DcganGenerator(o).forward(torch::randn({64, 16}) * 10);
  EXPECT_GE(x.min().item<double>(), 0.0);
  EXPECT_LE(x.max().item<double>(), 1.0);
  o.output = "tanh";
  auto t = DcganGenerator(o).forward(torch::randn({64, 16}) * 10);
  EXPECT_LT(t.min().item<double>(), 0.0) << "tanh's outputs should reach below 0";
  EXPECT_GE(t.min().item<double>(), -1.0);
  EXPECT_LE(t.max().item<double>(), 1.0);
}

TEST(DcganTest, WeightsStartAtThePapersNormalAndBiasesAtZero) {
  // w = 64 at 64 px: about 2.8 M weights in G, so the sample std of N(0, 0.02²)
  // is within 0.1% of 0.02; a default (Kaiming-uniform) init would be far off.
  torch::manual_seed(1);
  DcganGenerator g(options({3, 64, 64}, 64));
  std::vector<torch::Tensor> weights, scales;
  for (const auto& p : g.named_parameters()) {
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<double>(), 0.0) << p.key();
    } else if (p.value().dim() == 1) {
      scales.push_back(p.value().flatten());
    } else {
      weights.push_back(p.value().flatten());
    }
  }
  auto w = torch::cat(weights).to(torch::kFloat64), s = torch::cat(scales).to(torch::kFloat64);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.02 * 0.01);
  EXPECT_NEAR(s.mean().item<double>(), 1.0, 0.005);
  EXPECT_NEAR(s.std().item<double>(), 0.02, 0.02 * 0.15);
}

TEST(DcganTest, WorkloadSeparatesTheLinearLayersFromTheConvolutions) {
  // 28 px, w = 32, latent 16, batch 64. Convolutions: G's ConvT(64 -> 32)
  // from 7x7 is 64 · 49 · (64 · 16) · 32 multiply-adds (its last, 32 -> 1
  // from 14x14, is smaller); D's Conv(32 -> 64) to 7x7 is 64 · 49 · (32 · 16)
  // · 64. Matrix products: G's projection 64 · 16 · (64 · 49), D's output
  // layer 64 · (64 · 49) · 1.
  DcganGenerator g(options({1, 28, 28}, 32));
  DcganDiscriminator d(options({1, 28, 28}, 32));
  EXPECT_EQ(g.largestConvolution(64), int64_t{64} * 49 * 64 * 16 * 32);
  EXPECT_EQ(d.largestConvolution(64), int64_t{64} * 49 * 32 * 16 * 64);
  EXPECT_EQ(g.largestProduct(64), int64_t{64} * 16 * 64 * 49);
  EXPECT_EQ(d.largestProduct(64), int64_t{64} * 64 * 49);
}

TEST(DcganTest, AClassConditionedGeneratorShowsItsConvolutionsToTheThreadPlan) {
  // cGAN's G is the DCGAN G behind a class embedding (16 + 8 inputs).
  auto o = options({1, 28, 28}, 32);
  o.latentDim = 16 + 8;
  auto inner = std::make_shared<DcganGenerator>(o);
  ConcatConditionedGenerator g(inner, 16, 10, 8);
  EXPECT_EQ(g.largestConvolution(64), int64_t{64} * 49 * 64 * 16 * 32);  // as the unconditioned G's (above)
  EXPECT_EQ(g.largestProduct(64), inner->largestProduct(64));
}

TEST(DcganTest, EveryParameterGetsAGradientAndEvalModeIsDeterministic) {
  auto o = options({3, 32, 32}, 4);
  DcganGenerator g(o);
  DcganDiscriminator d(o);
  auto loss = torch::softplus(-d.forward(g.forward(torch::randn({8, 16}))).logits).mean();
  loss.backward();
  for (const auto& p : g.named_parameters()) EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  for (const auto& p : d.named_parameters()) EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  // Sampling runs G in eval mode: batch norm then uses its running
  // statistics, so a sample does not depend on the rest of its batch.
  g.eval();
  auto z = torch::randn({4, 16});
  auto alone = g.forward(z.slice(0, 0, 1));
  auto inBatch = g.forward(z).slice(0, 0, 1);
  EXPECT_TRUE(torch::allclose(alone, inBatch, 1e-6, 1e-6));
}
