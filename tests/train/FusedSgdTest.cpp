#include "gantry/train/FusedSgd.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <sstream>

using gantry::train::FusedSgd;

namespace {

/// Parameters of awkward sizes (remainders of every length after the
/// vector loops) with gradients of mixed magnitudes, as a fixed seed makes them.
std::vector<torch::Tensor> parameters() {
  torch::manual_seed(31);
  std::vector<torch::Tensor> ps;
  for (int64_t size : {1, 7, 15, 16, 17, 100, 1023, 1200 * 100}) ps.push_back(torch::randn({size}).requires_grad_());
  ps.push_back(torch::randn({240, 5}).requires_grad_());
  return ps;
}

void setGradients(std::vector<torch::Tensor>& ps, int step) {
  torch::manual_seed(100 + step);
  for (auto& p : ps) p.mutable_grad() = torch::randn_like(p) * std::pow(10.0, step % 3 - 1);
}

/// Steps LibTorch's SGD and FusedSgd side by side with the 2014 schedule's
/// kind of changes (rate decay, momentum ramp) and checks every parameter
/// and momentum buffer for equality, bit for bit.
void expectSameSteps(double momentum0, int steps) {
  auto reference = parameters();
  auto fused = parameters();
  torch::optim::SGD sgd(reference, torch::optim::SGDOptions(0.1).momentum(momentum0));
  FusedSgd fusedSgd(fused, torch::optim::SGDOptions(0.1).momentum(momentum0));
  for (int step = 0; step < steps; ++step) {
    for (auto* optimizer : std::initializer_list<torch::optim::Optimizer*>{&sgd, &fusedSgd}) {
      auto& options = static_cast<torch::optim::SGDOptions&>(optimizer->param_groups()[0].options());
      options.lr(0.1 / std::pow(1.000004, step)).momentum(momentum0 == 0 ? 0 : momentum0 + 0.01 * step);
    }
    setGradients(reference, step);
    setGradients(fused, step);
    sgd.step();
    fusedSgd.step();
    for (size_t i = 0; i < reference.size(); ++i)
      ASSERT_TRUE(torch::equal(reference[i], fused[i])) << "parameter " << i << " after step " << step;
  }
  // And the momentum buffers, which the next step would use.
  if (momentum0 == 0) return;
  auto buffer = [](torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
    const auto& state = optimizer.state().at(c10::guts::to_string(p.unsafeGetTensorImpl()));
    return static_cast<torch::optim::SGDParamState&>(*state).momentum_buffer();
  };
  for (size_t i = 0; i < reference.size(); ++i)
    EXPECT_TRUE(torch::equal(buffer(sgd, reference[i]), buffer(fusedSgd, fused[i]))) << "buffer " << i;
}

}  // namespace

TEST(FusedSgdTest, MomentumStepsAreBitForBitLibTorchsSgd) { expectSameSteps(0.5, 6); }

TEST(FusedSgdTest, PlainStepsWithoutMomentumAreBitForBitLibTorchsSgd) { expectSameSteps(0.0, 3); }

TEST(FusedSgdTest, ContinuesLibTorchsMomentumFromACheckpointAndBack) {
  auto reference = parameters();
  auto fused = parameters();
  torch::optim::SGD sgd(reference, torch::optim::SGDOptions(0.05).momentum(0.7));
  setGradients(reference, 0);
  sgd.step();  // LibTorch made the buffers
  {
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < fused.size(); ++i) fused[i].copy_(reference[i]);
  }
  torch::serialize::OutputArchive out;
  sgd.save(out);
  std::stringstream stream;
  out.save_to(stream);
  torch::serialize::InputArchive in;
  in.load_from(stream);
  FusedSgd fusedSgd(fused, torch::optim::SGDOptions(0.05).momentum(0.7));
  fusedSgd.load(in);
  for (int step = 1; step < 4; ++step) {
    setGradients(reference, step);
    setGradients(fused, step);
    sgd.step();
    fusedSgd.step();
  }
  for (size_t i = 0; i < reference.size(); ++i) EXPECT_TRUE(torch::equal(reference[i], fused[i])) << i;
}

TEST(FusedSgdTest, WeightDecayAndNesterovFallBackToLibTorchsStep) {
  for (bool nesterov : {false, true}) {
    auto reference = parameters();
    auto fused = parameters();
    auto options = torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(nesterov).weight_decay(nesterov ? 0 : 1e-3);
    torch::optim::SGD sgd(reference, options);
    FusedSgd fusedSgd(fused, options);
    for (int step = 0; step < 3; ++step) {
      setGradients(reference, step);
      setGradients(fused, step);
      sgd.step();
      fusedSgd.step();
    }
    for (size_t i = 0; i < reference.size(); ++i) EXPECT_TRUE(torch::equal(reference[i], fused[i])) << i;
  }
}
