// The penalties against a discriminator whose input gradient is known in
// closed form: D(x) = ½·a·‖x‖² per sample, so ∇_x D(x_i) = a·x_i and
// ‖∇D(x_i)‖ = |a|·‖x_i‖, with the norm over all of a sample's pixels.
#include "gantry/models/PackedDiscriminator.h"
#include "gantry/objectives/GradientPenalty.h"
#include "gantry/objectives/InstanceNoise.h"
#include "gantry/objectives/Penalty.h"
#include "gantry/objectives/ZeroCenteredPenalty.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "TestSupport.h"

using namespace gantry::objectives;

namespace {

class QuadraticDiscriminator : public gantry::models::Discriminator {
 public:
  explicit QuadraticDiscriminator(double a) { a_ = register_parameter("a", torch::tensor({a}, torch::kFloat64)); }
  gantry::models::DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& = {}) override {
    return {0.5 * a_ * x.reshape({x.size(0), -1}).pow(2).sum(1)};
  }
  torch::Tensor a_;
};

/// Three 1×2×2 "images" with per-sample norms 0.5, 1 and 3 (and pixels of
/// both signs, so that a per-pixel norm would give another value).
torch::Tensor images() {
  return torch::tensor({0.3, -0.4, 0.0, 0.0,   // ‖·‖ = 0.5
                        0.5, 0.5, -0.5, 0.5,   // ‖·‖ = 1
                        2.0, -2.0, 1.0, 0.0},  // ‖·‖ = 3
                       torch::kFloat64)
      .reshape({3, 1, 2, 2});
}

}  // namespace

TEST(PenaltyTest, InputGradientsArePerSample) {
  QuadraticDiscriminator d(1.5);
  auto x = images();
  auto g = inputGradients(d, x);
  ASSERT_EQ(g.sizes(), x.sizes());
  EXPECT_TRUE(torch::allclose(g, 1.5 * x, 0.0, 1e-15));
  EXPECT_TRUE(torch::allclose(perInputSquaredNorm(g, 1), 2.25 * gantry::test::f64({0.25, 1.0, 9.0}), 0.0, 1e-14));
}

TEST(PenaltyTest, R1AndR2AreHalfTheMeanSquaredGradientNormOnTheirSamples) {
  const double a = 2.0;
  QuadraticDiscriminator d(a);
  auto real = images();
  auto fake = 2.0 * images();
  // ½·mean(a²‖x_i‖²) = ½·4·(0.25 + 1 + 9)/3.
  const double r1 = 0.5 * a * a * (0.25 + 1.0 + 9.0) / 3.0;
  auto realTerm = makePenalty("r1")->compute(d, {real, {}}, {fake, {}});
  auto fakeTerm = makePenalty("r2")->compute(d, {real, {}}, {fake, {}});
  EXPECT_NEAR(realTerm.item<double>(), r1, 1e-12);
  EXPECT_NEAR(fakeTerm.item<double>(), 4.0 * r1, 1e-12);  // fake = 2·real
  // Differentiable in D's parameters: d/da ½·mean(a²‖x‖²) = a·mean ‖x‖².
  realTerm.backward();
  EXPECT_NEAR(d.a_.grad().item<double>(), a * (0.25 + 1.0 + 9.0) / 3.0, 1e-12);
}

TEST(PenaltyTest, GradientPenaltyIsTheMeanSquaredDistanceOfEachNormFromOne) {
  QuadraticDiscriminator d(1.0);
  auto x = images();
  // Norms 0.5, 1, 3: two-sided mean((n − 1)²) = (0.25 + 0 + 4)/3; one-sided (0 + 0 + 4)/3.
  GradientPenalty twoSided(false), oneSided(true);
  auto term = twoSided.at(d, x);
  EXPECT_NEAR(term.item<double>(), 4.25 / 3.0, 1e-9);
  EXPECT_NEAR(oneSided.at(d, x).item<double>(), 4.0 / 3.0, 1e-9);
  // d/da mean((a‖x‖ − 1)²) = mean(2(a‖x‖ − 1)‖x‖) at a = 1: 2·(−0.25 + 0 + 6)/3.
  term.backward();
  EXPECT_NEAR(d.a_.grad().item<double>(), 2.0 * 5.75 / 3.0, 1e-9);
  // A flat D (zero gradient) gives a finite penalty of 1 and finite gradients.
  QuadraticDiscriminator flat(0.0);
  auto flatTerm = twoSided.at(flat, x);
  EXPECT_NEAR(flatTerm.item<double>(), 1.0, 1e-9);
  flatTerm.backward();
  EXPECT_TRUE(std::isfinite(flat.a_.grad().item<double>()));
}

TEST(PenaltyTest, GradientPenaltyInterpolatesWithOneEpsilonPerSample) {
  auto real = images();
  auto fake = torch::zeros_like(real);
  auto epsilon = gantry::test::f64({0.0, 0.25, 1.0});
  auto mixed = GradientPenalty::interpolate(real, fake, epsilon);
  EXPECT_TRUE(torch::allclose(mixed[0], fake[0]));
  EXPECT_TRUE(torch::allclose(mixed[1], 0.25 * real[1]));
  EXPECT_TRUE(torch::allclose(mixed[2], real[2]));

  // compute() draws ε [N] from the default generator: replaying the draw
  // gives the same value, so ε is one number per sample.
  QuadraticDiscriminator d(1.0);
  auto other = -0.5 * images().flip(0);
  torch::manual_seed(11);
  auto drawn = torch::rand({3}, torch::kFloat32);
  double expected = GradientPenalty().at(d, GradientPenalty::interpolate(real, other, drawn)).item<double>();
  torch::manual_seed(11);
  EXPECT_NEAR(makePenalty("gp")->compute(d, {real, {}}, {other, {}}).item<double>(), expected, 1e-12);
  // Where real = fake every interpolate is that sample, whatever ε is.
  EXPECT_NEAR(makePenalty("gp")->compute(d, {real, {}}, {real, {}}).item<double>(), 4.25 / 3.0, 1e-9);
}

TEST(PenaltyTest, UnderPacGanEachPackIsOneInputOfD) {
  // Packs of m = 2 consecutive samples, each one input of the quadratic D:
  // ∇D(pack) = a·pack, so the norm is a·√(‖x_1‖² + ‖x_2‖²) per pack, not
  // one per sample (which would put R1 at 1/m of its value, and pull each
  // half of a pack's gradient to norm 1 under GP).
  auto inner = std::make_shared<QuadraticDiscriminator>(1.0);
  gantry::models::PackedDiscriminator packed(inner, 2);
  EXPECT_EQ(packed.samplesPerInput(), 2);
  auto x = torch::cat({images(), (2.0 / 3.0) * images().narrow(0, 2, 1)});  // norms 0.5, 1, 3, 2
  const double pack1 = 0.25 + 1.0, pack2 = 9.0 + 4.0;                       // squared norms per pack
  EXPECT_NEAR(ZeroCenteredPenalty::at(packed, x).item<double>(), 0.5 * (pack1 + pack2) / 2.0, 1e-12);
  auto gp = [](double squared) { return std::pow(std::sqrt(squared) - 1.0, 2); };
  EXPECT_NEAR(GradientPenalty().at(packed, x).item<double>(), (gp(pack1) + gp(pack2)) / 2.0, 1e-9);
  // One ε per pack: replaying a draw of two, each repeated for its pack's
  // samples, gives compute()'s value.
  auto other = -0.5 * x.flip(0);
  torch::manual_seed(11);
  auto drawn = torch::rand({2}, torch::kFloat32).repeat_interleave(2);
  double expected = GradientPenalty().at(packed, GradientPenalty::interpolate(x, other, drawn)).item<double>();
  torch::manual_seed(11);
  EXPECT_NEAR(makePenalty("gp")->compute(packed, {x, {}}, {other, {}}).item<double>(), expected, 1e-12);
}

TEST(PenaltyTest, NamesAndOptions) {
  for (const auto& name : penaltyNames()) {
    auto p = makePenalty(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name(), name);
  }
  EXPECT_EQ(makePenalty("none"), nullptr);
  EXPECT_EQ(makePenalty("r3"), nullptr);
  PenaltyOptions options;
  options.one_sided = true;
  auto gp = makePenalty("gp", options);
  EXPECT_TRUE(dynamic_cast<GradientPenalty&>(*gp).oneSided());
}

TEST(InstanceNoiseTest, StdAnnealsLinearlyToZero) {
  InstanceNoise noise{0.5, 100};
  EXPECT_DOUBLE_EQ(noise.stdAt(0), 0.5);
  EXPECT_DOUBLE_EQ(noise.stdAt(50), 0.25);
  EXPECT_DOUBLE_EQ(noise.stdAt(100), 0.0);
  EXPECT_DOUBLE_EQ(noise.stdAt(150), 0.0);
  InstanceNoise constant{0.3, 0};
  EXPECT_DOUBLE_EQ(constant.stdAt(123456), 0.3);
  EXPECT_FALSE(InstanceNoise{}.enabled());
}

TEST(InstanceNoiseTest, AddsGaussianNoiseOfTheScheduledStd) {
  torch::manual_seed(4);
  InstanceNoise noise{0.5, 100};
  auto x = torch::full({200000}, 3.0);
  auto noisy = noise.apply(x, 50);  // σ = 0.25
  EXPECT_NEAR((noisy - x).mean().item<double>(), 0.0, 0.005);
  EXPECT_NEAR((noisy - x).std().item<double>(), 0.25, 0.0025);
  EXPECT_TRUE(torch::equal(noise.apply(x, 100), x));  // annealed away
}
