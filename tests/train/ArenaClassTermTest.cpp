// The trainer plays AC-GAN's game (Odena et al. 2017): D's loss is the
// objective's plus the class term on the real and the generated batch (at
// the scale of the objective's D loss: the paper's L_S + L_C), G's
// the objective's plus the class term on its own batch, each recomputed here
// from D's outputs on the same batches.
#include "gantry/train/Trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "TestSupport.h"

namespace {

std::unique_ptr<gantry::train::Trainer> trainerOf(const std::vector<std::string>& assignments) {
  return gantry::test::trainerOfPreset("ring8", assignments);
}

/// Mean of −log softmax(logits)[label], written out.
torch::Tensor crossEntropy(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto logSumExp = logits.exp().sum(1).log();
  return (logSumExp - logits.gather(1, labels.unsqueeze(1)).squeeze(1)).mean();
}

}  // namespace

TEST(ArenaClassTermTest, BothPlayersLossesCarryTheWeightedClassTerm) {
  for (const auto& [weight, sum] : std::vector<std::pair<double, bool>>{{1.0, false}, {0.25, false}, {1.0, true}}) {
    SCOPED_TRACE(std::to_string(weight) + (sum ? ", d_loss_sum" : ""));
    auto trainer = trainerOf({"conditional=acgan", "class_loss_weight=" + std::to_string(weight),
                              std::string("d_loss_sum=") + (sum ? "true" : "false")});
    for (int i = 0; i < 20; ++i) trainer->step();  // away from the initial point
    auto& arena = trainer->arena();
    auto real = arena.realBatch();
    auto fake = arena.generate(arena.noise(), /*withGraph=*/false);
    ASSERT_TRUE(real.labels.defined());
    ASSERT_TRUE(fake.labels.defined());
    auto pass = arena.discriminate(real, fake);

    // ring8's D has no dropout: the same outputs again.
    auto& d = arena.discriminator();
    auto r = d.forward(real.samples, real.labels), f = d.forward(fake.samples, fake.labels);
    ASSERT_TRUE(r.classLogits.defined());
    const auto& objective = arena.objective();
    auto classTerm = weight * (crossEntropy(r.classLogits, real.labels) + crossEntropy(f.classLogits, fake.labels));
    // The paper's D maximises L_S + λ L_C: its loss, −V + λ·CE, at the scale
    // of gantry's D loss (½: the 2014 code's −V/2). It carried 2λ·CE before.
    const double scale = objective.discriminatorLossScale();
    EXPECT_EQ(scale, sum ? 1.0 : 0.5);
    EXPECT_NEAR(objective.discriminatorLoss(r.logits, f.logits).item<double>(),
                -scale * objective.value(r.logits, f.logits).item<double>(), 1e-6);
    auto expectedD = scale * (-objective.value(r.logits, f.logits) + classTerm);
    EXPECT_NEAR(pass.loss.item<double>(), expectedD.item<double>(), 1e-5);
    EXPECT_NEAR(pass.classLoss.item<double>(), classTerm.item<double>(), 1e-5);
    EXPECT_GT(classTerm.item<double>(), 1e-4);  // the term is not vanishing here

    auto expectedG = objective.generatorLoss({}, f.logits) + weight * crossEntropy(f.classLogits, fake.labels);
    EXPECT_NEAR(arena.generatorLoss(fake, nullptr).item<double>(), expectedG.item<double>(), 1e-5);
    EXPECT_NEAR(arena.generatorLoss(pass).item<double>(), expectedG.item<double>(), 1e-5);
  }
}

/// 20 steps of ring8 with `assignments`, then D's pass on a real and a
/// generated batch, and D's outputs on them recomputed.
struct ClassTermPass {
  explicit ClassTermPass(const std::vector<std::string>& assignments) : trainer(trainerOf(assignments)) {
    for (int i = 0; i < 20; ++i) trainer->step();
    auto& arena = trainer->arena();
    real = arena.realBatch();
    fake = arena.generate(arena.noise(), /*withGraph=*/false);
    pass = arena.discriminate(real, fake);
    r = arena.discriminator().forward(real.samples, real.labels);
    f = arena.discriminator().forward(fake.samples, fake.labels);
  }
  std::unique_ptr<gantry::train::Trainer> trainer;
  gantry::data::Batch real, fake;
  gantry::train::DiscriminatorPass pass;
  gantry::models::DiscriminatorOutput r, f;
};

TEST(ArenaClassTermTest, WithoutTheFakeTermDsClassTermReadsRealDataAlone) {
  ClassTermPass t({"conditional=acgan", "class_loss_d_fake=false"});
  auto& arena = t.trainer->arena();
  auto expectedD = arena.objective().discriminatorLoss(t.r.logits, t.f.logits) +
                   arena.objective().discriminatorLossScale() * crossEntropy(t.r.classLogits, t.real.labels);
  EXPECT_NEAR(t.pass.loss.item<double>(), expectedD.item<double>(), 1e-5);
  // G's term is unchanged: its own samples' classes.
  auto expectedG = arena.objective().generatorLoss({}, t.f.logits) + crossEntropy(t.f.classLogits, t.fake.labels);
  EXPECT_NEAR(arena.generatorLoss(t.fake, nullptr).item<double>(), expectedG.item<double>(), 1e-5);
}

TEST(ArenaClassTermTest, WithoutTheRealTermTheDatasLabelsAreNeverRead) {
  // InfoGAN's categorical code: D's class term on the generated batch alone,
  // so the real batch's labels, whatever they are, change nothing.
  ClassTermPass t({"conditional=acgan", "class_loss_d_real=false"});
  auto& arena = t.trainer->arena();
  const auto fakeTerm = crossEntropy(t.f.classLogits, t.fake.labels);
  auto expectedD = arena.objective().discriminatorLoss(t.r.logits, t.f.logits) +
                   arena.objective().discriminatorLossScale() * fakeTerm;
  EXPECT_NEAR(t.pass.loss.item<double>(), expectedD.item<double>(), 1e-5);
  EXPECT_NEAR(t.pass.classLoss.item<double>(), fakeTerm.item<double>(), 1e-5);
  // The real term, had it been there, is not small: its absence is seen.
  EXPECT_GT(crossEntropy(t.r.classLogits, t.real.labels).item<double>(), 1e-3);
  auto relabelled = t.real;
  relabelled.labels = (t.real.labels + 1).remainder(8);
  EXPECT_EQ(arena.discriminate(relabelled, t.fake).loss.item<double>(), t.pass.loss.item<double>());
}

TEST(ArenaClassTermTest, AClassHeadWithNeitherTermIsRefused) {
  try {
    trainerOf({"conditional=acgan", "class_loss_d_real=false", "class_loss_d_fake=false"});
    ADD_FAILURE() << "a class head trained on nothing was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("class_loss_d_real"), std::string::npos) << e.what();
  }
}

TEST(ArenaClassTermTest, TheStepRecordsTheClassHeadsFigures) {
  auto trainer = trainerOf({"conditional=acgan"});
  auto figures = trainer->step();
  for (const char* name : {"class_loss", "class_accuracy_real", "class_accuracy_fake"})
    EXPECT_TRUE(figures.has(name)) << name;
  auto plain = trainerOf({"conditional=projection"});
  EXPECT_FALSE(plain->step().has("class_loss"));
}
