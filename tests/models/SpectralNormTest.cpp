// Spectral normalisation (gantry/models/SpectralNorm.h): the power
// iteration finds the largest singular value, the layer applies W / σ, the
// gradient holds u and v constant (Miyato et al. 2018), evaluation
// mode leaves the iteration's state alone, and DCGAN's D uses it on every
// layer when asked.
#include "gantry/models/SpectralNorm.h"

#include "gantry/models/AuxiliaryClassifier.h"
#include "gantry/models/Dcgan.h"
#include "gantry/models/ProjectionDiscriminator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include <string>

using namespace gantry::models;

namespace {

double largestSingularValue(const torch::Tensor& w) {
  return torch::linalg::svdvals(w.detach().flatten(1).to(torch::kDouble), c10::nullopt).max().item<double>();
}

/// Training-mode passes on a random input, which advance the iteration.
void iterate(SpectralNormalized& layer, const torch::Tensor& input, int times) {
  layer->train();
  torch::NoGradGuard noGrad;
  for (int i = 0; i < times; ++i) layer->forward(input);
}

}  // namespace

TEST(SpectralNormTest, PowerIterationFindsTheLargestSingularValue) {
  torch::manual_seed(3);
  // A linear layer 40 -> 30 and a 4×4 convolution 3 -> 8 (W as 8 × 48).
  SpectralNormalized linear(40, 30, 0, 1, 0, true), conv(3, 8, 4, 2, 1, true);
  iterate(linear, torch::randn({5, 40}), 200);
  iterate(conv, torch::randn({2, 3, 8, 8}), 200);
  for (auto* layer : {&linear, &conv}) {
    const double truth = largestSingularValue((*layer)->weight);
    EXPECT_NEAR((*layer)->sigma() / truth, 1.0, 1e-4);
    // The weight the layer applies has spectral norm 1.
    EXPECT_NEAR(largestSingularValue((*layer)->normalizedWeight()), 1.0, 1e-4);
  }
  // One iteration from a random u is a poor estimate: the test above is the
  // iteration's doing, not the starting vector's.
  torch::manual_seed(3);
  SpectralNormalized fresh(40, 30, 0, 1, 0, true);
  iterate(fresh, torch::randn({5, 40}), 1);
  EXPECT_LT(fresh->sigma() / largestSingularValue(fresh->weight), 0.999);
}

TEST(SpectralNormTest, LayersApplyTheNormalisedWeight) {
  torch::manual_seed(4);
  SpectralNormalized linear(6, 4, 0, 1, 0, true), conv(2, 5, 4, 2, 1, true);
  iterate(linear, torch::randn({3, 6}), 100);
  iterate(conv, torch::randn({3, 2, 8, 8}), 100);
  linear->eval();
  conv->eval();
  auto x = torch::randn({3, 6}), image = torch::randn({3, 2, 8, 8});
  const double sl = largestSingularValue(linear->weight), sc = largestSingularValue(conv->weight);
  auto expectedLinear = torch::addmm(linear->bias, x, linear->weight.t() / sl);
  auto expectedConv = torch::conv2d(image, conv->weight / sc, conv->bias, {2, 2}, {1, 1});
  EXPECT_TRUE(torch::allclose(linear->forward(x), expectedLinear, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(conv->forward(image), expectedConv, 1e-4, 1e-5));
  EXPECT_EQ(conv->forward(image).sizes(), (std::vector<int64_t>{3, 5, 4, 4}));
}

TEST(SpectralNormTest, GradientHoldsTheSingularVectorsConstant) {
  // f(W) = <W / σ, R> with σ = uᵀWv, u and v fixed: ∇f = R / σ − <W, R> u vᵀ / σ².
  torch::manual_seed(5);
  SpectralNormalized layer(7, 5, 0, 1, 0, false);
  iterate(layer, torch::randn({2, 7}), 3);  // u, v not converged: the formula holds for any u, v
  layer->eval();
  auto r = torch::randn({5, 7});
  layer->weight.mutable_grad() = torch::Tensor();
  (layer->normalizedWeight() * r).sum().backward();
  auto w = layer->weight.detach(), u = layer->u, v = layer->v;
  const auto sigma = torch::dot(u, torch::mv(w, v));
  auto expected = r / sigma - (w * r).sum() * torch::outer(u, v) / (sigma * sigma);
  EXPECT_TRUE(torch::allclose(layer->weight.grad(), expected, 1e-4, 1e-6));
}

TEST(SpectralNormTest, EvaluationModeLeavesTheIterationAlone) {
  torch::manual_seed(6);
  SpectralNormalized layer(9, 4, 0, 1, 0, true);
  auto x = torch::randn({2, 9});
  iterate(layer, x, 2);
  auto u = layer->u.clone(), v = layer->v.clone();
  layer->eval();
  auto first = layer->forward(x), second = layer->forward(x);
  EXPECT_TRUE(torch::equal(layer->u, u));
  EXPECT_TRUE(torch::equal(layer->v, v));
  EXPECT_TRUE(torch::equal(first, second));
  layer->train();
  layer->forward(x);
  EXPECT_FALSE(torch::equal(layer->u, u));
}

TEST(SpectralNormTest, TwoPassesBeforeOneBackwardWork) {
  // D judges the real and the generated batch in two passes, then one
  // backward: the second pass's iteration must not spoil the first's graph.
  torch::manual_seed(7);
  SpectralNormalized layer(4, 3, 0, 1, 0, true);
  layer->train();
  auto a = layer->forward(torch::randn({2, 4})).sum();
  auto b = layer->forward(torch::randn({2, 4})).sum();
  EXPECT_NO_THROW((a + b).backward());
  EXPECT_TRUE(layer->weight.grad().defined());
}

TEST(SpectralNormTest, DcganDiscriminatorNormalisesEveryLayerAndCheckpointsTheIteration) {
  DcganOptions o;
  o.shape = dcganShape({1, 28, 28});
  o.latentDim = 8;
  o.width = 4;
  o.norm = DcganNorm::Spectral;
  torch::manual_seed(8);
  DcganDiscriminator d(o);
  int64_t normalised = 0;
  for (const auto& m : d.modules(/*include_self=*/false)) {
    EXPECT_EQ(m->as<torch::nn::Conv2dImpl>(), nullptr);
    EXPECT_EQ(m->as<torch::nn::LinearImpl>(), nullptr);
    EXPECT_EQ(m->as<torch::nn::BatchNorm2dImpl>(), nullptr);
    if (auto* layer = m->as<SpectralNormalizedImpl>()) {
      ++normalised;
      // The paper's initialisation, drawn after the layer was built.
      EXPECT_NEAR(layer->weight.std().item<double>(), 0.02, 0.01);
    }
  }
  EXPECT_EQ(normalised, 3);  // two convolutions and the last layer
  auto x = torch::rand({6, 1, 28, 28});
  d.train();
  for (int i = 0; i < 5; ++i) d.forward(x);
  // u and v are buffers: saved and loaded with the rest, so the next pass
  // is the same.
  std::stringstream stream;
  {
    torch::serialize::OutputArchive out;
    d.save(out);
    out.save_to(stream);
  }
  torch::manual_seed(9);
  DcganDiscriminator copy(o);
  torch::serialize::InputArchive in;
  in.load_from(stream);
  copy.load(in);
  EXPECT_TRUE(torch::equal(d.forward(x).logits, copy.forward(x).logits));
}

TEST(SpectralNormTest, ConditioningsOfASpectralDNormaliseTheirOwnLayers) {
  // The projection's class embedding (Miyato & Koyama's SNEmbedID) and
  // AC-GAN's class head, under a spectrally normalised D; plain layers
  // under batch norm.
  DcganOptions o;
  o.shape = dcganShape({1, 28, 28});
  o.latentDim = 8;
  o.width = 4;
  auto x = torch::rand({6, 1, 28, 28});
  auto labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kLong);
  for (auto norm : {DcganNorm::Spectral, DcganNorm::Batch}) {
    o.norm = norm;
    torch::manual_seed(8);
    ProjectionDiscriminator projection(std::make_shared<DcganDiscriminator>(o), 10);
    AuxiliaryClassifierDiscriminator acgan(std::make_shared<DcganDiscriminator>(o), 10);
    for (torch::nn::Module* wrapper :
         {static_cast<torch::nn::Module*>(&projection), static_cast<torch::nn::Module*>(&acgan)}) {
      const auto children = wrapper->named_children();
      const auto& own = children.contains("embedding") ? children["embedding"] : children["head"];
      auto* layer = own->as<SpectralNormalizedImpl>();
      if (norm == DcganNorm::Batch) {
        EXPECT_EQ(layer, nullptr);
        continue;
      }
      ASSERT_NE(layer, nullptr);
      wrapper->train();
      for (int i = 0; i < 200; ++i) {
        if (wrapper == &projection)
          projection.forward(x, labels);
        else
          acgan.forward(x);
      }
      wrapper->eval();
      torch::NoGradGuard noGrad;
      EXPECT_NEAR(largestSingularValue(layer->normalizedWeight()), 1.0, 1e-3);
      EXPECT_GT(std::abs(largestSingularValue(layer->weight) - 1.0), 0.2) << "a weight already at σ = 1 shows nothing";
    }
    // The projection reads the normalised rows: D(x | y) − ψ(φ(x)) = ⟨e(y), φ(x)⟩.
    if (norm == DcganNorm::Spectral) {
      projection.eval();
      torch::NoGradGuard noGrad;
      auto inner = projection.named_children()["inner"]->as<DcganDiscriminator>()->forward(x);
      auto rows = projection.named_children()["embedding"]->as<SpectralNormalizedImpl>()->normalizedWeight();
      auto expected = inner.logits.reshape(-1) + (rows.index_select(0, labels) * inner.features).sum(1);
      EXPECT_TRUE(torch::allclose(projection.forward(x, labels).logits.reshape(-1), expected, 1e-5, 1e-6));
    }
  }
}
