// D's stabilisers against values computed by hand on tiny batches:
// minibatch discrimination (Salimans et al. 2016), minibatch standard
// deviation (Karras et al. 2018) and packing (Lin et al. 2018).
#include "gantry/core/Error.h"
#include "gantry/models/Dcgan.h"
#include "gantry/models/MinibatchDiscrimination.h"
#include "gantry/models/MinibatchStddev.h"
#include "gantry/models/Mlp.h"
#include "gantry/models/PackedDiscriminator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace gantry::models;

TEST(MinibatchDiscriminationTest, ClosenessToTheOtherSamplesByHand) {
  // A = 2 features, B = 2 kernels of C = 2 dimensions.
  MinibatchDiscrimination layer(2, 2, 2);
  {
    torch::NoGradGuard guard;
    // T as [A, B·C]: kernel 0 reads (f0, f1), kernel 1 reads (2 f0, −f1).
    layer.tensor().copy_(torch::tensor({{1.0, 0.0, 2.0, 0.0}, {0.0, 1.0, 0.0, -1.0}}));
  }
  auto f = torch::tensor({{0.0, 0.0}, {1.0, 0.0}, {0.0, 2.0}});
  auto o = layer.forward(f);
  ASSERT_EQ(o.sizes(), (std::vector<int64_t>{3, 2}));
  // Kernel 0: M = f. L1 distances: d01 = 1, d02 = 2, d12 = 3.
  // Kernel 1: M = (2 f0, −f1). d01 = 2, d02 = 2, d12 = 4.
  auto e = [](double d) { return std::exp(-d); };
  const double expected[3][2] = {{e(1) + e(2), e(2) + e(2)}, {e(1) + e(3), e(2) + e(4)}, {e(2) + e(3), e(2) + e(4)}};
  for (int i = 0; i < 3; ++i)
    for (int b = 0; b < 2; ++b) EXPECT_NEAR(o[i][b].item<double>(), expected[i][b], 1e-6) << i << "," << b;
}

TEST(MinibatchDiscriminationTest, ACollapsedBatchScoresItsSizeMinusOne) {
  // Identical samples: every c_b(i, j) = 1, so o_b(i) = N − 1 for every kernel.
  torch::manual_seed(3);
  MinibatchDiscrimination layer(4, 3, 5);
  auto same = torch::randn({1, 4}).repeat({6, 1});
  EXPECT_TRUE(torch::allclose(layer.forward(same), torch::full({6, 3}, 5.0)));
}

TEST(MinibatchStddevTest, SpreadOfStridedGroupsByHand) {
  MinibatchStddev layer(2);
  // N = 4, group 2: groups {0, 2} and {1, 3}.
  auto f = torch::tensor({{0.0, 1.0}, {5.0, 5.0}, {2.0, 1.0}, {5.0, 9.0}});
  auto s = layer.forward(f);
  ASSERT_EQ(s.sizes(), (std::vector<int64_t>{4, 1}));
  // Group {0, 2}: feature 0 values 0, 2 (std 1), feature 1 values 1, 1 (std 0): mean 0.5.
  // Group {1, 3}: feature 0 values 5, 5 (0), feature 1 values 5, 9 (2): mean 1.
  const double eps = 1e-8;
  const double g0 = (std::sqrt(1.0 + eps) + std::sqrt(eps)) / 2, g1 = (std::sqrt(eps) + std::sqrt(4.0 + eps)) / 2;
  EXPECT_NEAR(s[0][0].item<double>(), g0, 1e-6);
  EXPECT_NEAR(s[2][0].item<double>(), g0, 1e-6);
  EXPECT_NEAR(s[1][0].item<double>(), g1, 1e-6);
  EXPECT_NEAR(s[3][0].item<double>(), g1, 1e-6);
}

TEST(MinibatchStddevTest, ABatchThatSplitsIntoNoWholeGroupsIsRefusedNamingTheKey) {
  MinibatchStddev layer(4);
  try {
    layer.forward(torch::zeros({6, 3}));
    FAIL() << "expected a UserError";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("minibatch_std_group"), std::string::npos) << e.what();
  }
  // A batch smaller than the group is one group.
  EXPECT_EQ(layer.forward(torch::zeros({3, 2})).size(0), 3);
}

TEST(BatchFeaturesTest, MlpDiscriminatorsLastLayerReadsTheFeaturesAndTheBatchFeatures) {
  StabiliserSettings s;
  s.minibatch_kernels = 7;
  s.minibatch_std_group = 4;
  torch::manual_seed(1);
  MlpDiscriminator d(MlpDiscriminatorOptions({2}).hidden({16, 16}).stabilisers(s));
  EXPECT_FALSE(d.hasPairedPass());  // batch features read each batch whole
  int64_t parameters = 0;
  for (const auto& p : d.named_parameters()) {
    if (p.key() == "output.weight") EXPECT_EQ(p.value().size(1), 16 + 7 + 1);
    ++parameters;
  }
  // The unrolled rule's slots cover every parameter, the tensor T included.
  EXPECT_EQ(static_cast<int64_t>(d.parameterSlots().size()), parameters);
  auto out = d.forward(torch::randn({8, 2}));
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{8}));
  EXPECT_EQ(out.features.size(1), 16);  // D's own features, for projection and feature matching
}

TEST(BatchFeaturesTest, ADiscriminatorWithoutThemKeepsItsInitialWeights) {
  // Turning a stabiliser off must leave D as it was: same parameters, same draws.
  torch::manual_seed(5);
  MlpDiscriminator plain(MlpDiscriminatorOptions({2}).hidden({8}));
  torch::manual_seed(5);
  StabiliserSettings s;
  s.minibatch_kernels = 3;
  MlpDiscriminator stabilised(MlpDiscriminatorOptions({2}).hidden({8}).stabilisers(s));
  EXPECT_TRUE(
      torch::equal(plain.named_parameters()["hidden.0.weight"], stabilised.named_parameters()["hidden.0.weight"]));
}

TEST(PackedDiscriminatorTest, ConsecutiveSamplesSideBySideIntoALinearD) {
  // Inner D: no hidden layer, logit = w · pack + b on packs of m = 2 samples of 2 features.
  auto inner = std::make_shared<MlpDiscriminator>(MlpDiscriminatorOptions({4}).hidden({}));
  {
    torch::NoGradGuard guard;
    auto p = inner->named_parameters();
    p["output.weight"].copy_(torch::tensor({{1.0, 10.0, 100.0, 1000.0}}));
    p["output.bias"].fill_(0.5);
  }
  PackedDiscriminator d(inner, 2);
  auto x = torch::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}, {7.0, 8.0}});
  auto logits = d.forward(x).logits;
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{2}));
  EXPECT_DOUBLE_EQ(logits[0].item<double>(), 1 + 20 + 300 + 4000 + 0.5);
  EXPECT_DOUBLE_EQ(logits[1].item<double>(), 5 + 60 + 700 + 8000 + 0.5);
  EXPECT_THROW(d.forward(torch::zeros({3, 2})), gantry::UserError);
}

TEST(PackedDiscriminatorTest, ImagesArePackedAlongChannels) {
  EXPECT_EQ(packedShape({1, 28, 28}, 3), (std::vector<int64_t>{3, 28, 28}));
  EXPECT_EQ(packedShape({2}, 4), (std::vector<int64_t>{8}));
  // A DCGAN D built for 2-channel packs of grey images: pack p's channel j is sample 2p + j.
  DcganOptions options;
  options.shape = dcganShape({2, 16, 16});
  options.width = 4;
  torch::manual_seed(2);
  auto inner = std::make_shared<DcganDiscriminator>(options);
  inner->eval();
  PackedDiscriminator d(inner, 2);
  auto x = torch::rand({4, 1, 16, 16});
  auto packed = d.forward(x).logits;
  auto direct =
      inner->forward(torch::cat({x.slice(0, 0, 2).reshape({1, 2, 16, 16}), x.slice(0, 2, 4).reshape({1, 2, 16, 16})}));
  EXPECT_TRUE(torch::allclose(packed, direct.logits));
}
