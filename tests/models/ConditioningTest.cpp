// The conditionings beyond concatenation (gantry/models/Conditioning.h): the
// projection discriminator's output and AC-GAN's class head, checked by hand
// on a stub D whose features are its input, and which family takes which.
#include "gantry/models/AuxiliaryClassifier.h"
#include "gantry/models/Conditioning.h"
#include "gantry/models/ModelFamily.h"
#include "gantry/models/ProjectionDiscriminator.h"

#include "gantry/core/Config.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

using namespace gantry::models;

namespace {

/// φ(x) = x (flat), ψ(φ) = Σ φ: the outputs are sums of the inputs one can
/// write down.
class StubDiscriminator : public Discriminator {
 public:
  explicit StubDiscriminator(int64_t width) : width_(width) {}
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& = {}) override {
    auto features = x.reshape({x.size(0), -1});
    return {features.sum(1), {}, features};
  }
  int64_t featureWidth() const override { return width_; }

 private:
  int64_t width_;
};

torch::Tensor parameterNamed(torch::nn::Module& module, const std::string& name) {
  for (auto& p : module.named_parameters())
    if (p.key() == name) return p.value();
  ADD_FAILURE() << "no parameter " << name;
  return {};
}

ModelContext imageContext(const std::string& conditional) {
  ModelContext context;
  context.sampleShape = {1, 28, 28};
  context.latentDim = 8;
  context.classes = 10;
  context.model.conditional = conditional;
  context.model.class_embedding = 6;
  return context;
}

}  // namespace

TEST(ConditioningTest, ProjectionAddsTheInnerProductOfTheClassEmbeddingWithTheFeatures) {
  ProjectionDiscriminator d(std::make_shared<StubDiscriminator>(4), 3);
  {
    torch::NoGradGuard guard;
    parameterNamed(d, "embedding.weight")
        .copy_(torch::tensor({{0.0, 0.0, 0.0, 0.0}, {1.0, 1.0, 1.0, 1.0}, {1.0, 0.0, -1.0, 0.5}}));
  }
  auto x = torch::tensor({{1.0, 2.0, 3.0, 4.0}, {1.0, 2.0, 3.0, 4.0}, {-1.0, 0.5, 0.0, 2.0}});
  auto out = d.forward(x, torch::tensor({2, 0, 1}));
  // ψ = Σx = 10, 10, 1.5; ⟨e(y), x⟩ = 1 − 3 + 2 = 0, 0, −1 + 0.5 + 0 + 2 = 1.5.
  auto expected = torch::tensor({10.0, 10.0, 3.0});
  EXPECT_TRUE(torch::allclose(out.logits, expected, 1e-6, 1e-6)) << out.logits;
  // The embedding learns: ∂D(x|y)/∂e(y) = φ(x), and the rows of unused classes get nothing.
  out.logits.sum().backward();
  auto grad = parameterNamed(d, "embedding.weight").grad();
  EXPECT_TRUE(torch::allclose(grad[2], x[0])) << grad;
  EXPECT_TRUE(torch::allclose(grad[1], x[2])) << grad;
  EXPECT_TRUE(torch::allclose(grad[0], x[1])) << grad;
  EXPECT_THROW(d.forward(x), c10::Error);  // labels are required
  EXPECT_EQ(d.classes(), 3);
}

TEST(ConditioningTest, ProjectionStartsAtTheScaleOfALinearOutputLayer) {
  // U(±1/√F): the class term adds logits of the size of ψ's, not √F times more.
  ProjectionDiscriminator d(std::make_shared<StubDiscriminator>(400), 10);
  auto w = parameterNamed(d, "embedding.weight");
  EXPECT_LE(w.abs().max().item<double>(), 1.0 / 20.0);
  EXPECT_NEAR(w.std().item<double>(), 1.0 / 20.0 / std::sqrt(3.0), 0.003);
}

TEST(ConditioningTest, AuxiliaryClassifierPredictsTheClassFromTheFeaturesAndLeavesTheLogitAlone) {
  AuxiliaryClassifierDiscriminator d(std::make_shared<StubDiscriminator>(3), 2);
  {
    torch::NoGradGuard guard;
    parameterNamed(d, "head.weight").copy_(torch::tensor({{1.0, 0.0, -1.0}, {0.5, 0.5, 0.5}}));
    parameterNamed(d, "head.bias").copy_(torch::tensor({0.25, -1.0}));
  }
  auto x = torch::tensor({{1.0, 2.0, 3.0}, {0.0, -2.0, 4.0}});
  auto out = d.forward(x);  // the labels are not read
  EXPECT_TRUE(torch::allclose(out.logits, torch::tensor({6.0, 2.0})));
  // W φ + b: (1 − 3 + 0.25, 3 − 1), (−4 + 0.25, 1 − 1).
  EXPECT_TRUE(torch::allclose(out.classLogits, torch::tensor({{-1.75, 2.0}, {-3.75, 0.0}}), 1e-6, 1e-6))
      << out.classLogits;
  EXPECT_EQ(d.classes(), 2);
}

TEST(ConditioningTest, ConditioningNeedsADiscriminatorThatShowsItsFeatures) {
  EXPECT_THROW(ProjectionDiscriminator(std::make_shared<StubDiscriminator>(0), 3), std::logic_error);
  EXPECT_THROW(AuxiliaryClassifierDiscriminator(std::make_shared<StubDiscriminator>(0), 3), std::logic_error);
}

TEST(ConditioningTest, DcganTakesProjectionAndAcganButNotConcatenation) {
  for (const std::string conditional : {"projection", "acgan"}) {
    auto context = imageContext(conditional);
    context.model.model = "dcgan";
    EXPECT_EQ(familyFor(context.model, context).name, "dcgan");
  }
  auto concat = imageContext("concat");
  concat.model.model = "dcgan";
  try {
    familyFor(concat.model, concat);
    FAIL() << "dcgan with concat was accepted";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'conditional' = concat"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("projection, acgan"), std::string::npos) << e.what();
  }
}

TEST(ConditioningTest, ConditionedPlayersOfEachFamilyReadTheClass) {
  for (const std::string model : {"mlp", "dcgan"}) {
    for (const std::string conditional : {"projection", "acgan"}) {
      SCOPED_TRACE(model + ", " + conditional);
      auto context = imageContext(conditional);
      context.model.model = model;
      const auto& family = familyFor(context.model, context);
      gantry::ConfigSchema schema;
      for (const auto& key : family.keys) schema.add(key);
      gantry::Config config(schema);
      auto g = family.generator(config, context);
      auto d = family.discriminator(config, context);
      g->eval();
      d->eval();
      EXPECT_EQ(g->classes(), 10);
      EXPECT_EQ(d->classes(), 10);
      EXPECT_EQ(g->latentDim(), 8);
      auto z = torch::randn({4, 8});
      auto labels = torch::tensor({0, 3, 3, 9});
      auto x = g->forward(z, labels);
      ASSERT_EQ(x.sizes().vec(), (std::vector<int64_t>{4, 1, 28, 28}));
      // G reads the class: the same z drawn for another class differs.
      EXPECT_GT((x - g->forward(z, torch::tensor({1, 1, 1, 1}))).abs().max().item<double>(), 1e-6);
      auto out = d->forward(x, labels);
      ASSERT_EQ(out.logits.sizes().vec(), (std::vector<int64_t>{4}));
      ASSERT_EQ(out.features.size(1), d->featureWidth());
      if (conditional == "acgan") {
        ASSERT_EQ(out.classLogits.sizes().vec(), (std::vector<int64_t>{4, 10}));
      } else {
        EXPECT_FALSE(out.classLogits.defined());
        // D reads the class: the same images judged under other classes score differently.
        EXPECT_GT((out.logits - d->forward(x, torch::tensor({1, 1, 1, 1})).logits).abs().max().item<double>(), 1e-6);
      }
    }
  }
}
