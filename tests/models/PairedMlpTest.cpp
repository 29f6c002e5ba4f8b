#include "gantry/models/PairedMlp.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace gantry::models;
using gantry::test::expectIdenticalTensors;

namespace {

/// A ring8-sized network (2 -> 128 -> 128 -> 1) with dropout before the
/// first and the last layer, so that both kinds of layer input are covered.
struct Network {
  MlpLayers layers;
  std::vector<torch::Tensor> firstNoise, secondNoise;
  torch::Tensor first, second;

  std::vector<torch::Tensor> leaves() const {
    std::vector<torch::Tensor> all{first, second};
    all.insert(all.end(), layers.weights.begin(), layers.weights.end());
    all.insert(all.end(), layers.biases.begin(), layers.biases.end());
    return all;
  }
};

Network randomNetwork(Activation activation, int64_t rows = 64) {
  torch::manual_seed(21);
  Network n;
  n.layers.activation = activation;
  const std::vector<int64_t> widths{2, 128, 128, 1};
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    n.layers.weights.push_back((torch::rand({widths[i + 1], widths[i]}) - 0.5).requires_grad_());
    n.layers.biases.push_back((torch::rand({widths[i + 1]}) - 0.5).requires_grad_());
  }
  auto dropout = [&](int64_t width, double keep) { return torch::empty({rows, width}).bernoulli_(keep).div_(keep); };
  n.firstNoise = {dropout(2, 0.8), torch::Tensor(), dropout(128, 0.5)};
  n.secondNoise = {dropout(2, 0.8), torch::Tensor(), dropout(128, 0.5)};
  n.first = torch::randn({rows, 2}).requires_grad_();
  n.second = torch::randn({rows, 2}).requires_grad_();
  return n;
}

/// The same network as separate autograd operations, layer by layer.
torch::Tensor plainChain(torch::Tensor h, const MlpLayers& layers, const std::vector<torch::Tensor>& noise) {
  for (size_t i = 0; i < layers.weights.size(); ++i) {
    if (noise[i].defined()) h = h * noise[i];
    h = torch::nn::functional::linear(h, layers.weights[i], layers.biases[i]);
    if (i + 1 < layers.weights.size()) h = applyActivation(layers.activation, h);
  }
  return h;
}

torch::Tensor ganLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) {
  return torch::softplus(-realLogits).mean() + torch::softplus(fakeLogits).mean();
}

}  // namespace

TEST(PairedMlpTest, OutputsAndGradientsAreBitForBitThoseOfThePlainOps) {
  for (auto activation : {Activation::ReLU, Activation::LeakyReLU, Activation::Tanh, Activation::Sigmoid}) {
    for (bool overlap : {false, true}) {
      SCOPED_TRACE(activationName(activation) + (overlap ? ", overlapped" : ", serial"));
      auto n = randomNetwork(activation);
      auto [r, f] = pairedMlp(n.first, n.second, n.layers, n.firstNoise, n.secondNoise, overlap);
      auto r2 = plainChain(n.first, n.layers, n.firstNoise);
      auto f2 = plainChain(n.second, n.layers, n.secondNoise);
      EXPECT_TRUE(torch::equal(r, r2));
      EXPECT_TRUE(torch::equal(f, f2));
      auto fused = torch::autograd::grad({ganLoss(r, f)}, n.leaves());
      auto plain = torch::autograd::grad({ganLoss(r2, f2)}, n.leaves());
      expectIdenticalTensors(fused, plain);
      // Not vacuous: every gradient is non-zero.
      for (const auto& g : fused) EXPECT_GT(g.abs().sum().item<double>(), 0.0);
    }
  }
}

TEST(PairedMlpTest, ComputesOnlyTheGradientsThatAreAskedFor) {
  auto n = randomNetwork(Activation::LeakyReLU);
  auto [r, f] = pairedMlp(n.first, n.second, n.layers, n.firstNoise, n.secondNoise, /*overlap=*/true);
  auto f2 = plainChain(n.second, n.layers, n.secondNoise);
  // G's view of D's fake pass: only the generated batch's loss, only its
  // input's gradient.
  auto fused = torch::autograd::grad({torch::softplus(-f).mean()}, {n.second}, {}, /*retain_graph=*/true);
  auto plain = torch::autograd::grad({torch::softplus(-f2).mean()}, {n.second}, {}, /*retain_graph=*/true);
  expectIdenticalTensors(fused, plain);
  // D's view: the parameters only, from the real batch alone.
  std::vector<torch::Tensor> parameters(n.layers.weights);
  parameters.insert(parameters.end(), n.layers.biases.begin(), n.layers.biases.end());
  auto r2 = plainChain(n.first, n.layers, n.firstNoise);
  expectIdenticalTensors(torch::autograd::grad({r.sum()}, parameters), torch::autograd::grad({r2.sum()}, parameters));
}

TEST(PairedMlpTest, RefusesSecondOrderGradientsWithAClearError) {
  auto n = randomNetwork(Activation::Tanh);
  auto [r, f] = pairedMlp(n.first, n.second, n.layers, n.firstNoise, n.secondNoise);
  try {
    torch::autograd::grad({r.sum()}, {n.first}, {}, /*retain_graph=*/true, /*create_graph=*/true);
    ADD_FAILURE() << "no error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("differentiable once"), std::string::npos) << e.what();
  }
}
