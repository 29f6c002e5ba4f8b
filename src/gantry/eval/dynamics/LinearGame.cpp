#include "gantry/eval/dynamics/LinearGame.h"

#include "gantry/eval/dynamics/Spectrum.h"

#include <stdexcept>

namespace gantry::eval {

namespace {

Matrix2 product(const Matrix2& a, const Matrix2& b) {
  return {a.gg * b.gg + a.gd * b.dg, a.gg * b.gd + a.gd * b.dd, a.dg * b.gg + a.dd * b.dg, a.dg * b.gd + a.dd * b.dd};
}

Matrix2 plus(const Matrix2& a, const Matrix2& b, double scale = 1.0) {
  return {a.gg + scale * b.gg, a.gd + scale * b.gd, a.dg + scale * b.dg, a.dd + scale * b.dd};
}

Matrix2 transpose(const Matrix2& a) { return {a.gg, a.dg, a.gd, a.dd}; }

const Matrix2 kIdentity{1, 0, 0, 1};

std::vector<double> rows(const Matrix2& m) { return {m.gg, m.gd, m.dg, m.dd}; }

}  // namespace

Matrix2 diracJacobian(double fPrime, double damping) { return {0, fPrime, -fPrime, 2 * damping}; }

std::vector<std::complex<double>> eigenvalues(const Matrix2& m) {
  const double half = 0.5 * (m.gg + m.dd);
  const double det = m.gg * m.dd - m.gd * m.dg;
  const auto root = std::sqrt(std::complex<double>(half * half - det, 0.0));
  auto a = half + root, b = half - root;
  if (b.imag() > a.imag() || (b.imag() == a.imag() && b.real() > a.real())) std::swap(a, b);
  return {a, b};
}

Matrix2 consensusJacobian(const Matrix2& j, double weight) { return plus(j, product(transpose(j), j), -weight); }

double spectralRadius(const std::vector<double>& matrix, int n) {
  double radius = 0;
  for (const auto& value : denseEigenvalues(matrix, n, SpectrumOrder::Magnitude))
    radius = std::max(radius, std::abs(value));
  return radius;
}

double stepGrowth(const std::string& rule, const Matrix2& j, double eta, double consensusWeight) {
  if (rule == "simultaneous") return spectralRadius(rows(plus(kIdentity, j, eta)), 2);
  if (rule == "alternating") {
    // D's update, then G's from the updated ψ.
    const Matrix2 d{1, 0, eta * j.dg, 1 + eta * j.dd};
    const Matrix2 g{1 + eta * j.gg, eta * j.gd, 0, 1};
    return spectralRadius(rows(product(g, d)), 2);
  }
  if (rule == "extragradient") return spectralRadius(rows(plus(plus(kIdentity, j, eta), product(j, j), eta * eta)), 2);
  if (rule == "consensus") return spectralRadius(rows(plus(kIdentity, consensusJacobian(j, consensusWeight), eta)), 2);
  if (rule == "optimistic") {
    // (w⁺, w) = [[I + 2ηJ, −ηJ], [I, 0]] (w, w₋)
    const auto a = plus(kIdentity, j, 2 * eta);
    return spectralRadius({a.gg, a.gd, -eta * j.gg, -eta * j.gd,  //
                           a.dg, a.dd, -eta * j.dg, -eta * j.dd,  //
                           1, 0, 0, 0,                            //
                           0, 1, 0, 0},
                          4);
  }
  throw std::invalid_argument("no linear closed form for the rule " + rule);
}

}  // namespace gantry::eval
