// The eigensolvers on matrices whose spectra are known by construction:
// A = Q D Q⁻¹ with D block-diagonal (2 × 2 blocks [[a, −b], [b, a]] give
// a ± bi) and Q a random well-conditioned matrix; symmetric ones Q Λ Qᵀ
// with Q orthogonal.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "gantry/core/Error.h"
#include "gantry/eval/dynamics/Spectrum.h"

#include <algorithm>
#include <complex>
#include <iostream>
#include <string>
#include <vector>

using gantry::UserError;
using namespace gantry::eval;

namespace {

using Complex = std::complex<double>;

/// A real n × n matrix with the given eigenvalues (conjugate pairs adjacent,
/// positive imaginary part first), as row-major doubles.
std::vector<double> withSpectrum(const std::vector<Complex>& values, uint64_t seed) {
  const auto n = static_cast<int64_t>(values.size());
  auto d = torch::zeros({n, n}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    const auto& v = values[static_cast<size_t>(i)];
    if (v.imag() == 0) {
      d[i][i] = v.real();
      continue;
    }
    d[i][i] = v.real();
    d[i + 1][i + 1] = v.real();
    d[i][i + 1] = -v.imag();
    d[i + 1][i] = v.imag();
    ++i;
  }
  torch::manual_seed(seed);
  // I + small noise: invertible and well conditioned.
  auto q = torch::eye(n, torch::kFloat64) + 0.3 * torch::randn({n, n}, torch::kFloat64) / std::sqrt(double(n));
  auto a = q.matmul(d).matmul(torch::inverse(q)).contiguous();
  return std::vector<double>(a.data_ptr<double>(), a.data_ptr<double>() + n * n);
}

LinearOperator productOf(const std::vector<double>& a, int64_t n, int64_t* count = nullptr) {
  return [&a, n, count](const double* x, double* y) {
    if (count) ++*count;
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += a[static_cast<size_t>(i * n + j)] * x[j];
      y[i] = sum;
    }
  };
}

/// 60 eigenvalues: a rotational pair of largest magnitude, a pair with the
/// largest real part, a pair with the largest imaginary part, and a bulk.
std::vector<Complex> gameLikeSpectrum() {
  std::vector<Complex> values = {{-1.0, 9.0}, {-1.0, -9.0}, {2.5, 0.5},  {2.5, -0.5},
                                 {-0.1, 7.0}, {-0.1, -7.0}, {-8.0, 0.0}, {6.0, 0.0}};
  for (int i = 0; values.size() < 60; ++i) values.emplace_back(-0.995 + 0.03 * i, 0.0);  // no ties with the pairs
  return values;
}

void expectSame(const std::vector<Complex>& found, std::vector<Complex> expected, size_t count, double tol) {
  ASSERT_GE(found.size(), count);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_NEAR(found[i].real(), expected[i].real(), tol) << "eigenvalue " << i;
    EXPECT_NEAR(found[i].imag(), expected[i].imag(), tol) << "eigenvalue " << i;
  }
}

}  // namespace

TEST(SpectrumTest, DenseSolverFindsEveryEigenvalueInEachOrder) {
  auto values = gameLikeSpectrum();
  auto a = withSpectrum(values, 1);
  for (auto order : {SpectrumOrder::Magnitude, SpectrumOrder::Real, SpectrumOrder::Imag}) {
    auto expected = values;
    sortEigenvalues(expected, order);
    expectSame(denseEigenvalues(a, 60, order), expected, 60, 1e-9);
  }
  auto byMagnitude = denseEigenvalues(a, 60, SpectrumOrder::Magnitude);
  EXPECT_NEAR(byMagnitude[0].real(), -1.0, 1e-9);
  EXPECT_NEAR(byMagnitude[0].imag(), 9.0, 1e-9) << "the conjugate with the positive imaginary part first";
  EXPECT_NEAR(denseEigenvalues(a, 60, SpectrumOrder::Real)[0].real(), 6.0, 1e-9);
  EXPECT_NEAR(denseEigenvalues(a, 60, SpectrumOrder::Imag)[0].imag(), 9.0, 1e-9);
}

TEST(SpectrumTest, ArnoldiFindsTheTopEigenvaluesFromProductsAlone) {
  auto values = gameLikeSpectrum();
  auto a = withSpectrum(values, 2);
  for (auto order : {SpectrumOrder::Magnitude, SpectrumOrder::Real, SpectrumOrder::Imag}) {
    auto expected = values;
    sortEigenvalues(expected, order);
    int64_t products = 0;
    auto found = arnoldiEigenvalues(60, productOf(a, 60, &products), 6, order);
    EXPECT_TRUE(found.converged);
    EXPECT_EQ(found.products, products);
    expectSame(found.values, expected, 6, 1e-7);
  }
}

TEST(SpectrumTest, ArnoldiStoppedEarlyGivesOnlyWhatConverged) {
  // The bulk of gameLikeSpectrum crowds the pairs ordered by their real
  // part: the solver needs many restarts there. Capped at r restarts, it
  // stops, says it did not converge, and returns only true eigenvalues
  // (an unconverged Ritz value would be off by far more than 1e-6).
  auto values = gameLikeSpectrum();
  auto a = withSpectrum(values, 2);
  const auto full = arnoldiEigenvalues(60, productOf(a, 60), 6, SpectrumOrder::Real);
  ASSERT_TRUE(full.converged);
  ASSERT_GT(full.restarts, 2) << "a spectrum that needs restarts";
  int partial = 0;
  std::string figures;
  for (int64_t cap = 1; cap < full.restarts; ++cap) {
    const auto found = arnoldiEigenvalues(60, productOf(a, 60), 6, SpectrumOrder::Real, SolveLimits{1e-8, cap});
    EXPECT_FALSE(found.converged) << cap;
    EXPECT_EQ(found.restarts, cap);
    EXPECT_LT(found.values.size(), 6u) << cap;
    for (const auto& value : found.values) {
      double nearest = 1e300;
      for (const auto& truth : values) nearest = std::min(nearest, std::abs(value - truth));
      EXPECT_LT(nearest, 1e-6) << "restarts " << cap << ": " << value << " is no eigenvalue";
    }
    partial += !found.values.empty();
    figures += " " + std::to_string(found.values.size());
  }
  std::cout << "[ figures  ] converged in " << full.restarts << " restarts; converged of 6 at caps 1..:" << figures
            << "\n";
  EXPECT_GT(partial, 0) << "some cap stops with part of the eigenvalues converged";
}

TEST(SpectrumTest, LanczosFindsBothEndsOfASymmetricSpectrum) {
  const int64_t n = 80;
  std::vector<double> lambda;
  for (int64_t i = 0; i < n; ++i) lambda.push_back(-3.0 + 0.05 * static_cast<double>(i));
  lambda[10] = 12.0;  // the largest
  lambda[20] = -7.5;  // the most negative: a saddle direction
  torch::manual_seed(3);
  auto q = std::get<0>(torch::linalg_qr(torch::randn({n, n}, torch::kFloat64)));
  auto h = q.matmul(torch::diag(torch::tensor(lambda, torch::kFloat64))).matmul(q.t()).contiguous();
  std::vector<double> a(h.data_ptr<double>(), h.data_ptr<double>() + n * n);
  auto found = lanczosEigenvalues(n, productOf(a, n), 4);
  EXPECT_TRUE(found.converged);
  std::sort(lambda.rbegin(), lambda.rend());
  ASSERT_EQ(found.values.size(), 4u);
  // Descending: the two largest, then the two smallest.
  const std::vector<double> expected = {lambda[0], lambda[1], lambda[n - 2], lambda[n - 1]};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(found.values[i].real(), expected[i], 1e-8) << i;
  auto dense = denseSymmetricEigenvalues(a, n);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(dense[static_cast<size_t>(i)], lambda[static_cast<size_t>(i)], 1e-9);
}

TEST(SpectrumTest, AskingTheIterativeSolversForTooManyIsRefusedNamingTheDenseMethod) {
  auto a = withSpectrum({{0.0, 0.5}, {0.0, -0.5}}, 4);
  try {
    arnoldiEigenvalues(2, productOf(a, 2), 1, SpectrumOrder::Magnitude);
    FAIL() << "n - 2 = 0 eigenvalues at most";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("dense"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lanczosEigenvalues(2, productOf(a, 2), 2), UserError);
  EXPECT_THROW(parseSpectrumOrder("largest", "--which"), UserError);
}
