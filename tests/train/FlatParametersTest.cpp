#include "gantry/models/Mlp.h"
#include "gantry/train/FlatParameters.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

using gantry::models::MlpDiscriminator;
using gantry::models::MlpDiscriminatorOptions;
using gantry::train::FlatParameters;

namespace {

std::shared_ptr<MlpDiscriminator> smallMlp(uint64_t seed) {
  torch::manual_seed(seed);
  return std::make_shared<MlpDiscriminator>(MlpDiscriminatorOptions({3}).hidden({5, 4}));
}

/// A few Adam steps on a fixed loss; returns the parameters after them.
std::vector<torch::Tensor> trainAdam(MlpDiscriminator& d, torch::optim::Optimizer& optimizer) {
  torch::manual_seed(99);
  auto x = torch::randn({16, 3});
  for (int i = 0; i < 4; ++i) {
    optimizer.zero_grad();
    d.forward(x).logits.pow(2).mean().backward();
    optimizer.step();
  }
  std::vector<torch::Tensor> out;
  for (const auto& p : d.parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST(FlatParametersTest, ParametersAndGradientsBecomeViewsOfTwoFlatTensors) {
  auto d = smallMlp(1);
  auto x = torch::randn({7, 3});
  auto before = d->forward(x).logits.detach();
  FlatParameters flat(*d);
  EXPECT_TRUE(torch::equal(d->forward(x).logits, before)) << "flattening changed the module";
  int64_t total = 0;
  for (const auto& p : d->parameters()) total += p.numel();
  ASSERT_EQ(flat.values().numel(), total);
  // Writing the flat tensor writes the parameters; backward writes the flat gradient.
  {
    torch::NoGradGuard guard;
    flat.values().add_(1.0);
  }
  EXPECT_FALSE(torch::equal(d->forward(x).logits, before));
  d->forward(x).logits.sum().backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : d->parameters()) grads.push_back(p.grad().reshape({-1}));
  auto perParameter = torch::cat(grads);
  EXPECT_GT(perParameter.abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(flat.values().grad(), perParameter));
}

TEST(FlatParametersTest, AdamOnTheFlatTensorIsAdamOnEachParameter) {
  auto a = smallMlp(2), b = smallMlp(2);
  torch::optim::Adam perParameter(a->parameters(), torch::optim::AdamOptions(1e-2).betas({0.5, 0.999}));
  FlatParameters flat(*b);
  torch::optim::Adam flatAdam({flat.values()}, torch::optim::AdamOptions(1e-2).betas({0.5, 0.999}));
  auto expected = trainAdam(*a, perParameter);
  auto actual = trainAdam(*b, flatAdam);
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_TRUE(torch::equal(actual[i], expected[i])) << "parameter " << i << " differs";
  EXPECT_FALSE(torch::equal(actual[0], smallMlp(2)->parameters()[0])) << "nothing was trained";
}

TEST(FlatParametersTest, RebindAfterLoadingMovesTheLoadedValuesIn) {
  auto source = smallMlp(3);
  std::stringstream saved;
  {
    torch::serialize::OutputArchive archive;
    source->save(archive);
    archive.save_to(saved);
  }
  auto target = smallMlp(4);
  FlatParameters flat(*target);
  torch::serialize::InputArchive archive;
  archive.load_from(saved);
  target->load(archive);
  flat.rebind();
  auto x = torch::randn({5, 3});
  EXPECT_TRUE(torch::equal(target->forward(x).logits, source->forward(x).logits));
  // And the parameters are views of the flat tensor again.
  {
    torch::NoGradGuard guard;
    flat.values().zero_();
  }
  for (const auto& p : target->parameters()) EXPECT_EQ(p.abs().sum().item<double>(), 0.0);
}
