// Inversion (gantry/eval/latent/Inversion.h): for images G itself drew, the
// search finds codes whose images match them far better than any start did,
// and leaves G as it was.
#include "gantry/eval/latent/Inversion.h"

#include "gantry/models/Mlp.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace gantry;

TEST(InversionTest, FindsCodesThatReproduceImagesOfG) {
  torch::manual_seed(5);
  auto options = models::MlpGeneratorOptions(4, {1, 6, 6}).hidden({32}).output_activation(models::Activation::Sigmoid);
  models::MlpGenerator generator(options);
  generator.eval();
  models::LatentPrior prior(models::LatentPrior::Kind::Normal, 4);
  auto truth = torch::randn({3, 4});
  torch::Tensor targets;
  {
    torch::NoGradGuard guard;
    targets = generator.forward(truth);
  }
  auto before = generator.parameters()[0].clone();
  eval::InversionOptions search;
  search.starts = 3;
  search.iterations = 1500;
  search.priorWeight = 0.0;
  auto found = eval::invertGenerator(generator, prior, targets, {}, search);
  ASSERT_EQ(found.latents.sizes().vec(), (std::vector<int64_t>{3, 4}));
  for (int64_t i = 0; i < 3; ++i) {
    std::cout << "[ figures  ] image " << i << ": MSE " << found.errors[i].item<double>() << " (start "
              << found.startErrors[i].item<double>() << ")\n";
    EXPECT_LT(found.errors[i].item<double>(), 1e-5);
    EXPECT_LT(found.errors[i].item<double>(), 1e-3 * found.startErrors[i].item<double>());
  }
  // The reconstructions are G's images of the codes returned.
  EXPECT_TRUE(torch::allclose(found.reconstructions, generator.forward(found.latents).detach(), 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(generator.parameters()[0], before));
  for (const auto& p : generator.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(InversionTest, ThePriorTermPullsCodesTowardsZero) {
  torch::manual_seed(6);
  auto options = models::MlpGeneratorOptions(4, {1, 4, 4}).hidden({16}).output_activation(models::Activation::Sigmoid);
  models::MlpGenerator generator(options);
  generator.eval();
  models::LatentPrior prior(models::LatentPrior::Kind::Normal, 4);
  auto targets = torch::rand({4, 1, 4, 4});  // not G's images: the error term cannot reach 0
  eval::InversionOptions search;
  search.starts = 2;
  search.iterations = 500;
  search.priorWeight = 0.0;
  auto free = eval::invertGenerator(generator, prior, targets, {}, search);
  search.priorWeight = 10.0;
  auto pulled = eval::invertGenerator(generator, prior, targets, {}, search);
  EXPECT_LT(pulled.latents.norm().item<double>(), 0.5 * free.latents.norm().item<double>());
}
