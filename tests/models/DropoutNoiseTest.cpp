#include "gantry/models/DropoutNoise.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using gantry::models::dropoutMultipliers;

TEST(DropoutNoiseTest, IsBitForBitAtensBernoulliDividedByKeepAndDrawsTheSameNumbers) {
  for (double keep : {0.8, 0.5, 0.2, 0.999}) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{100, 784}, {7, 3}, {1}}) {
      SCOPED_TRACE(keep);
      torch::manual_seed(12);
      auto ours = dropoutMultipliers(shape, keep, torch::TensorOptions());
      auto after = torch::rand({4});
      torch::manual_seed(12);
      auto atens = torch::empty(shape).bernoulli_(keep).div_(keep);
      auto afterAten = torch::rand({4});
      EXPECT_TRUE(torch::equal(ours, atens));
      EXPECT_TRUE(torch::equal(after, afterAten)) << "the generator was left in another state";
    }
  }
  // And as ATen's dropout itself multiplies (the reference for D's forward).
  torch::manual_seed(13);
  auto x = torch::rand({50, 30}) + 0.5;
  auto dropped = torch::dropout(x, 0.3, /*train=*/true);
  torch::manual_seed(13);
  torch::rand({50, 30});
  EXPECT_TRUE(torch::equal(x * dropoutMultipliers({50, 30}, 1.0 - 0.3, torch::TensorOptions()), dropped));
}

TEST(DropoutNoiseTest, KeepZeroDropsEverythingAndDrawsNothingLikeAtensDropout) {
  torch::manual_seed(15);
  auto x = torch::rand({20, 10});
  auto dropped = torch::dropout(x, 1.0, /*train=*/true);
  auto afterAten = torch::rand({3});
  torch::manual_seed(15);
  torch::rand({20, 10});
  EXPECT_TRUE(torch::equal(x * dropoutMultipliers({20, 10}, 0.0, torch::TensorOptions()), dropped));
  EXPECT_TRUE(torch::equal(torch::rand({3}), afterAten));
}

TEST(DropoutNoiseTest, KeepsEachEntryWithProbabilityKeepAndScalesItByOneOverKeep) {
  torch::manual_seed(14);
  const double keep = 0.8;
  auto noise = dropoutMultipliers({1000, 100}, keep, torch::TensorOptions());
  auto kept = noise.ne(0);
  EXPECT_TRUE(torch::all(noise.masked_select(kept) == static_cast<float>(1.0 / keep)).item<bool>());
  // 1e5 Bernoulli(0.8) draws: the kept fraction's std is 0.00126; 5 sigma.
  EXPECT_NEAR(kept.to(torch::kFloat64).mean().item<double>(), keep, 5 * std::sqrt(keep * (1 - keep) / 1e5));
}
