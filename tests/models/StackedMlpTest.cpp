#include "gantry/models/StackedLinear.h"
#include "gantry/models/StackedMlp.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

using namespace gantry::models;

namespace {

// Every product at least 400 multiply-adds per member (rows × inputs ×
// outputs): smaller ones LibTorch's batched product computes with a loop of
// its own instead of the BLAS call a single layer makes (StackedMlp.h).
constexpr int64_t kMembers = 3, kBatch = 32;

std::vector<std::shared_ptr<MlpGenerator>> generators() {
  std::vector<std::shared_ptr<MlpGenerator>> members;
  for (int64_t n = 0; n < kMembers; ++n) {
    torch::manual_seed(10 + n);
    members.push_back(
        std::make_shared<MlpGenerator>(MlpGeneratorOptions(2, {3}).hidden({16, 8}).activation(Activation::ReLU)));
  }
  return members;
}

std::vector<std::shared_ptr<MlpDiscriminator>> discriminators() {
  std::vector<std::shared_ptr<MlpDiscriminator>> members;
  for (int64_t n = 0; n < kMembers; ++n) {
    torch::manual_seed(20 + n);
    members.push_back(std::make_shared<MlpDiscriminator>(
        MlpDiscriminatorOptions({3}).hidden({12, 16}).activation(Activation::LeakyReLU)));
  }
  return members;
}

/// Gradients of a module's parameters, undefined ones included.
std::vector<torch::Tensor> gradients(torch::nn::Module& module) {
  std::vector<torch::Tensor> g;
  for (const auto& p : module.parameters()) g.push_back(p.grad());
  return g;
}

/// Member n's slice of each stacked gradient, shaped as its own network's
/// (weights [out, in], biases [out]).
std::vector<torch::Tensor> memberSlices(const std::vector<torch::Tensor>& stacked, int64_t n) {
  std::vector<torch::Tensor> slices;
  for (size_t k = 0; k < stacked.size(); ++k)
    slices.push_back(!stacked[k].defined() ? torch::Tensor() : k % 2 == 0 ? stacked[k][n] : stacked[k][n][0]);
  return slices;
}

}  // namespace

TEST(StackedMlpTest, StackedLinearGivesEachMemberItsOwnLayerBitForBit) {
  torch::manual_seed(1);
  auto x = torch::randn({kMembers, 128, 40}, torch::requires_grad());
  auto w = torch::randn({kMembers, 30, 40}, torch::requires_grad());
  auto b = torch::randn({kMembers, 1, 30}, torch::requires_grad());
  auto g = torch::randn({kMembers, 128, 30});
  auto y = stackedLinear(x, w, b);
  y.backward(g);
  for (int64_t n = 0; n < kMembers; ++n) {
    auto xn = x.detach()[n].clone().requires_grad_();
    auto wn = w.detach()[n].clone().requires_grad_();
    auto bn = b.detach()[n][0].clone().requires_grad_();
    auto yn = torch::nn::functional::linear(xn, wn, bn);
    yn.backward(g[n]);
    EXPECT_TRUE(torch::equal(yn, y.detach()[n])) << "member " << n;
    EXPECT_TRUE(torch::equal(xn.grad(), x.grad()[n])) << "member " << n;
    EXPECT_TRUE(torch::equal(wn.grad(), w.grad()[n])) << "member " << n;
    EXPECT_TRUE(torch::equal(bn.grad(), b.grad()[n][0])) << "member " << n;
  }
}

class StackedMlpOverlapTest : public ::testing::TestWithParam<bool> {};

TEST_P(StackedMlpOverlapTest, EachMemberComputesWhatItsOwnNetworkDoesBitForBit) {
  auto gs = generators();
  auto ds = discriminators();
  StackedMlpGenerator g(gs);
  StackedMlpDiscriminator d(ds);
  // Overlapped: the second half of the members on the helper thread.
  Execution execution;
  execution.overlap = GetParam();
  g.setExecution(execution);
  d.setExecution(execution);
  EXPECT_EQ(g.members(), kMembers);
  EXPECT_EQ(d.members(), kMembers);
  torch::manual_seed(2);
  auto z = torch::randn({kMembers * kBatch, 2});
  auto real = torch::randn({kMembers * kBatch, 3});
  // A loss through both players, as a D step and a G step take them.
  auto fake = g.forward(z);
  ASSERT_EQ(fake.sizes(), (std::vector<int64_t>{kMembers * kBatch, 3}));
  auto fakeOut = d.forward(fake);
  auto realOut = d.forward(real);
  ASSERT_EQ(fakeOut.logits.sizes(), (std::vector<int64_t>{kMembers * kBatch}));
  ASSERT_EQ(fakeOut.features.sizes(), (std::vector<int64_t>{kMembers * kBatch, 16}));
  (torch::softplus(fakeOut.logits).sum() + torch::softplus(-realOut.logits).sum()).backward();
  for (int64_t n = 0; n < kMembers; ++n) {
    auto rows = [&](const torch::Tensor& t) { return t.narrow(0, n * kBatch, kBatch); };
    auto ownFake = gs[n]->forward(rows(z));
    auto ownFakeOut = ds[n]->forward(ownFake);
    auto ownRealOut = ds[n]->forward(rows(real));
    EXPECT_TRUE(torch::equal(ownFake, rows(fake.detach()))) << "member " << n;
    EXPECT_TRUE(torch::equal(ownFakeOut.logits, rows(fakeOut.logits.detach()))) << "member " << n;
    EXPECT_TRUE(torch::equal(ownFakeOut.features, rows(fakeOut.features.detach()))) << "member " << n;
    (torch::softplus(ownFakeOut.logits).sum() + torch::softplus(-ownRealOut.logits).sum()).backward();
    gantry::test::expectIdenticalTensors(memberSlices(gradients(g), n), gradients(*gs[n]));
    gantry::test::expectIdenticalTensors(memberSlices(gradients(d), n), gradients(*ds[n]));
  }
}

INSTANTIATE_TEST_SUITE_P(OneAndTwoThreads, StackedMlpOverlapTest, ::testing::Bool());

TEST(StackedMlpTest, AMemberComesBackAsANetworkOfItsOwnWithoutMovingTheRandomStream) {
  auto gs = generators();
  auto ds = discriminators();
  StackedMlpGenerator g(gs);
  StackedMlpDiscriminator d(ds);
  torch::manual_seed(3);
  auto z = torch::randn({kBatch, 2});
  auto cpu = at::detail::getDefaultCPUGenerator();
  for (int64_t n = 0; n < kMembers; ++n) {
    const auto before = cpu.get_state();
    auto member = g.member(n);
    auto memberD = d.member(n);
    EXPECT_TRUE(torch::equal(cpu.get_state(), before)) << "building member " << n << " drew from the stream";
    gantry::test::expectIdenticalTensors(member->parameters(), gs[n]->parameters());
    gantry::test::expectIdenticalTensors(memberD->parameters(), ds[n]->parameters());
    EXPECT_TRUE(torch::equal(member->forward(z), gs[n]->forward(z)));
  }
}

TEST(StackedMlpTest, SmoothActivationsAgreeWithEachMembersNetworkToRounding) {
  // tanh and sigmoid run as vector code on most rows of a batch and as scalar
  // code on its last few; the rows that fall to each differ between a member
  // alone and the stack, and the two codes may differ in the last bit.
  std::vector<std::shared_ptr<MlpGenerator>> gs;
  for (int64_t n = 0; n < kMembers; ++n) {
    torch::manual_seed(30 + n);
    gs.push_back(std::make_shared<MlpGenerator>(MlpGeneratorOptions(2, {3})
                                                    .hidden({16, 8})
                                                    .activation(Activation::Tanh)
                                                    .output_activation(Activation::Sigmoid)));
  }
  StackedMlpGenerator g(gs);
  torch::manual_seed(5);
  auto z = torch::randn({kMembers * kBatch, 2});
  auto fake = g.forward(z);
  for (int64_t n = 0; n < kMembers; ++n)
    EXPECT_TRUE(torch::allclose(gs[n]->forward(z.narrow(0, n * kBatch, kBatch)), fake.narrow(0, n * kBatch, kBatch),
                                1e-6, 1e-7))
        << "member " << n;
}

TEST(StackedMlpTest, SecondDerivativesPassThroughTheStackedLayers) {
  // A gradient penalty differentiates D's input gradient: each member's term
  // must reach that member's weights alone, as its own network's does.
  auto ds = discriminators();
  StackedMlpDiscriminator d(ds);
  torch::manual_seed(4);
  auto x = torch::randn({kMembers * kBatch, 3}, torch::requires_grad());
  auto out = d.forward(x).logits;
  auto grad = torch::autograd::grad({out.sum()}, {x}, {}, true, true)[0];
  grad.pow(2).sum().backward();
  for (int64_t n = 0; n < kMembers; ++n) {
    auto xn = x.detach().narrow(0, n * kBatch, kBatch).clone().requires_grad_();
    auto own = ds[n]->forward(xn).logits;
    auto ownGrad = torch::autograd::grad({own.sum()}, {xn}, {}, true, true)[0];
    EXPECT_TRUE(torch::allclose(ownGrad, grad.detach().narrow(0, n * kBatch, kBatch), 1e-6, 1e-7));
    ownGrad.pow(2).sum().backward();
    auto stacked = memberSlices(gradients(d), n);
    auto expected = gradients(*ds[n]);
    for (size_t k = 0; k < expected.size(); ++k) {
      // leaky ReLU's second derivative is 0: the weights' terms come from
      // the products alone; the output bias gets none.
      if (!expected[k].defined()) continue;
      EXPECT_TRUE(torch::allclose(stacked[k], expected[k], 1e-5, 1e-6)) << "member " << n << ", tensor " << k;
    }
  }
}
