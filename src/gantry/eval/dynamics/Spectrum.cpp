#include "gantry/eval/dynamics/Spectrum.h"

#include "gantry/core/Error.h"

#include <Spectra/GenEigsSolver.h>
#include <Spectra/SymEigsSolver.h>
#include <fmt/format.h>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

namespace gantry::eval {

namespace {

/// A LinearOperator as Spectra's operation type (what its solvers call).
class ProductOp {
 public:
  using Scalar = double;
  ProductOp(int64_t n, const LinearOperator& product) : n_(n), product_(product) {}
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void perform_op(const double* x, double* y) const { product_(x, y); }

 private:
  int64_t n_;
  const LinearOperator& product_;
};

double key(const std::complex<double>& value, SpectrumOrder order) {
  switch (order) {
    case SpectrumOrder::Real:
      return value.real();
    case SpectrumOrder::Imag:
      return std::abs(value.imag());
    case SpectrumOrder::Magnitude:
      break;
  }
  return std::abs(value);
}

Spectra::SortRule selection(SpectrumOrder order) {
  switch (order) {
    case SpectrumOrder::Real:
      return Spectra::SortRule::LargestReal;
    case SpectrumOrder::Imag:
      return Spectra::SortRule::LargestImag;
    case SpectrumOrder::Magnitude:
      break;
  }
  return Spectra::SortRule::LargestMagn;
}

/// What a Spectra solver reports of its run, but the values.
template <typename Solver>
Eigenvalues outcome(const Solver& solver) {
  Eigenvalues result;
  result.converged = solver.info() == Spectra::CompInfo::Successful;
  result.products = solver.num_operations();
  result.restarts = solver.num_iterations() - 1;  // Spectra counts the last convergence check too
  return result;
}

/// Krylov subspace size: ARPACK's advice (at least 2k + 1), room to spare
/// for clustered spectra, never more than n.
Eigen::Index subspaceSize(int64_t n, int64_t count) {
  return static_cast<Eigen::Index>(std::min<int64_t>(n, std::max<int64_t>(2 * count + 1, 20)));
}

}  // namespace

SpectrumOrder parseSpectrumOrder(const std::string& text, const std::string& what) {
  if (text == "magnitude") return SpectrumOrder::Magnitude;
  if (text == "real") return SpectrumOrder::Real;
  if (text == "imag") return SpectrumOrder::Imag;
  throw UserError(fmt::format("{} must be magnitude, real or imag, got '{}'", what, text));
}

void sortEigenvalues(std::vector<std::complex<double>>& values, SpectrumOrder order) {
  std::stable_sort(values.begin(), values.end(), [order](const auto& a, const auto& b) {
    const double ka = key(a, order), kb = key(b, order);
    if (ka != kb) return ka > kb;
    if (a.real() != b.real()) return a.real() > b.real();
    return a.imag() > b.imag();
  });
}

std::vector<std::complex<double>> denseEigenvalues(const std::vector<double>& matrix, int64_t n, SpectrumOrder order) {
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> a(matrix.data(), n, n);
  Eigen::EigenSolver<Eigen::MatrixXd> solver(a, /*computeEigenvectors=*/false);
  if (solver.info() != Eigen::Success) throw std::runtime_error("the dense eigensolver did not converge");
  const auto& found = solver.eigenvalues();
  std::vector<std::complex<double>> values(found.data(), found.data() + found.size());
  sortEigenvalues(values, order);
  return values;
}

std::vector<double> denseSymmetricEigenvalues(const std::vector<double>& matrix, int64_t n) {
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> a(matrix.data(), n, n);
  // The products give H up to rounding: its symmetric part.
  Eigen::MatrixXd symmetric = 0.5 * (a + a.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw std::runtime_error("the symmetric eigensolver did not converge");
  const auto& found = solver.eigenvalues();
  std::vector<double> values(found.data(), found.data() + found.size());
  std::sort(values.rbegin(), values.rend());
  return values;
}

Eigenvalues arnoldiEigenvalues(int64_t n, const LinearOperator& product, int64_t count, SpectrumOrder order,
                               const SolveLimits& limits) {
  if (count < 1 || count > n - 2)
    throw UserError(
        fmt::format("the Arnoldi method finds at most n - 2 = {} eigenvalues of this {} x {} operator, "
                    "{} asked: use the dense method",
                    std::max<int64_t>(n - 2, 0), n, n, count));
  ProductOp op(n, product);
  Spectra::GenEigsSolver<ProductOp> solver(op, static_cast<Eigen::Index>(count), subspaceSize(n, count));
  solver.init();  // a fixed starting vector: the same result every run
  solver.compute(selection(order), limits.maxRestarts, limits.tol, selection(order));
  auto result = outcome(solver);
  const auto found = solver.eigenvalues();  // the converged ones only
  result.values.assign(found.data(), found.data() + found.size());
  sortEigenvalues(result.values, order);
  return result;
}

Eigenvalues lanczosEigenvalues(int64_t n, const LinearOperator& product, int64_t count, const SolveLimits& limits) {
  if (count < 1 || count > n - 1)
    throw UserError(
        fmt::format("the Lanczos method finds at most n - 1 = {} eigenvalues of this {} x {} operator, "
                    "{} asked: use the dense method",
                    std::max<int64_t>(n - 1, 0), n, n, count));
  ProductOp op(n, product);
  Spectra::SymEigsSolver<ProductOp> solver(op, static_cast<Eigen::Index>(count), subspaceSize(n, count));
  solver.init();
  solver.compute(Spectra::SortRule::BothEnds, limits.maxRestarts, limits.tol, Spectra::SortRule::LargestAlge);
  auto result = outcome(solver);
  const auto found = solver.eigenvalues();  // the converged ones only
  for (Eigen::Index i = 0; i < found.size(); ++i) result.values.emplace_back(found[i], 0.0);
  return result;
}

}  // namespace gantry::eval
