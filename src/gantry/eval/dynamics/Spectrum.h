#pragma once

#include <complex>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gantry::eval {

/// Which eigenvalues come first: largest |λ|, largest real part (the least
/// stable direction), largest |imaginary part| (the most rotation).
enum class SpectrumOrder { Magnitude, Real, Imag };
/// "magnitude", "real", "imag"; throws UserError naming `what` otherwise.
SpectrumOrder parseSpectrumOrder(const std::string& text, const std::string& what);

/// y = A x for an n × n operator, x and y of length n.
using LinearOperator = std::function<void(const double* x, double* y)>;

/// Eigenvalues found by an iterative solver, and whether it converged on
/// all that were asked for. When it did not, `values` holds the Ritz values
/// Spectra reports as converged at its last check (possibly none). It
/// checks before each restart, so after the cap's last restart these are
/// the new estimates of the values that had passed.
struct Eigenvalues {
  std::vector<std::complex<double>> values;
  bool converged = true;
  int64_t products = 0;  // operator applications
  int64_t restarts = 0;  // restarts made
};

/// What an iterative solve may spend: relative tolerance, and the restarts
/// after which it stops with what has converged (each restart costs about
/// the subspace size less `count` products).
struct SolveLimits {
  double tol = 1e-8;
  int64_t maxRestarts = 1000;
};

/// All eigenvalues of a real square matrix (row-major, n × n), by Eigen's
/// dense solver, sorted by `order`.
std::vector<std::complex<double>> denseEigenvalues(const std::vector<double>& matrix, int64_t n, SpectrumOrder order);
/// All eigenvalues of a symmetric matrix (row-major), descending.
std::vector<double> denseSymmetricEigenvalues(const std::vector<double>& matrix, int64_t n);

/// The `count` eigenvalues of a real n × n operator first in `order`, from
/// products alone: Spectra's implicitly restarted Arnoldi method (the
/// algorithm of ARPACK's eigs). Needs count ≤ n − 2.
Eigenvalues arnoldiEigenvalues(int64_t n, const LinearOperator& product, int64_t count, SpectrumOrder order,
                               const SolveLimits& limits = {});
/// The `count` eigenvalues of a symmetric n × n operator at both ends of
/// its spectrum (half the largest, half the smallest: a saddle shows as
/// negative ones), descending: Spectra's implicitly restarted Lanczos
/// method. Needs count ≤ n − 1.
Eigenvalues lanczosEigenvalues(int64_t n, const LinearOperator& product, int64_t count, const SolveLimits& limits = {});

/// Sorts eigenvalues, first in `order` first (ties: larger real part first).
void sortEigenvalues(std::vector<std::complex<double>>& values, SpectrumOrder order);

}  // namespace gantry::eval
