// The closed forms of the linearised games against the formulas of the
// papers (../shared protocols), written out independently here.
#include <gtest/gtest.h>

#include "gantry/eval/dynamics/LinearGame.h"

#include <cmath>

using namespace gantry::eval;

namespace {
const Matrix2 kBilinear = diracJacobian(1.0, 0.0);  // WGAN's Dirac-GAN: v = (ψ, −θ)
}

TEST(LinearGameTest, DiracJacobianEigenvaluesAreTheClosedForms) {
  // Unregularised standard game: ±f′(0) i = ±i/2.
  auto plain = eigenvalues(diracJacobian(0.5, 0.0));
  EXPECT_NEAR(plain[0].real(), 0.0, 1e-15);
  EXPECT_NEAR(plain[0].imag(), 0.5, 1e-15);
  EXPECT_NEAR(plain[1].imag(), -0.5, 1e-15);
  // R1 with γ = 2: −1 ± √(1 − ¼), both real.
  auto damped = eigenvalues(diracJacobian(0.5, -1.0));
  EXPECT_NEAR(damped[0].real(), -1.0 + std::sqrt(0.75), 1e-15);
  EXPECT_NEAR(damped[1].real(), -1.0 - std::sqrt(0.75), 1e-15);
  EXPECT_EQ(damped[0].imag(), 0.0);
  // Instance noise σ = 0.7: f″(0)σ² ± i √(f′(0)² − f″(0)²σ⁴).
  const double a = -0.25 * 0.49;
  auto noisy = eigenvalues(diracJacobian(0.5, a));
  EXPECT_NEAR(noisy[0].real(), a, 1e-15);
  EXPECT_NEAR(noisy[0].imag(), std::sqrt(0.25 - a * a), 1e-15);
}

TEST(LinearGameTest, UpdateRulesOnTheBilinearGameGrowAsThePapersSay) {
  for (double eta : {0.05, 0.2, 0.5, 1.5}) {
    EXPECT_NEAR(stepGrowth("simultaneous", kBilinear, eta), std::sqrt(1 + eta * eta), 1e-12) << eta;
    EXPECT_NEAR(stepGrowth("alternating", kBilinear, eta), 1.0, 1e-12) << eta << ": bounded cycles for η < 2";
    EXPECT_NEAR(stepGrowth("extragradient", kBilinear, eta), std::sqrt(1 - eta * eta + std::pow(eta, 4)), 1e-12) << eta;
    EXPECT_NEAR(stepGrowth("consensus", kBilinear, eta, 1.0), std::sqrt(std::pow(1 - eta, 2) + eta * eta), 1e-12)
        << eta;
  }
  // Alternating steps leave the cycle at η > 2.
  EXPECT_GT(stepGrowth("alternating", kBilinear, 2.5), 1.5);
  // Optimistic steps converge for small η (Daskalakis et al. 2018) and not for large.
  EXPECT_LT(stepGrowth("optimistic", kBilinear, 0.1), 1.0);
  EXPECT_GT(stepGrowth("optimistic", kBilinear, 1.0), 1.0);
  EXPECT_THROW(stepGrowth("unrolled", kBilinear, 0.1), std::invalid_argument);
}

TEST(LinearGameTest, ConsensusDampsTheRotation) {
  // J − γJᵀJ on the bilinear game: −γ ± i (Mescheder et al. 2017).
  auto values = eigenvalues(consensusJacobian(kBilinear, 0.7));
  EXPECT_NEAR(values[0].real(), -0.7, 1e-15);
  EXPECT_NEAR(values[0].imag(), 1.0, 1e-15);
}
