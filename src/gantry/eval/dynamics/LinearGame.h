#pragma once

#include <complex>
#include <string>
#include <vector>

namespace gantry::eval {

/// A game linearised at its equilibrium: v(w) ≈ J w, w = (θ, ψ), and what
/// each update rule makes of it (Mescheder, Geiger & Nowozin 2018 §2–3;
/// Gidel et al. 2019; Daskalakis et al. 2018; ../shared protocols). On such
/// a game one step of every rule below is a linear map M, and the distance
/// to the equilibrium grows per step by M's spectral radius ρ(M).
struct Matrix2 {
  double gg = 0, gd = 0, dg = 0, dd = 0;  // [[∂v_θ/∂θ, ∂v_θ/∂ψ], [∂v_ψ/∂θ, ∂v_ψ/∂ψ]]
};

/// The Dirac-GAN's Jacobian at (0, 0) in closed form: [[0, b], [−b, 2a]]
/// with b = f′(0) and a the damping: 0 unregularised, −γ/2 with R1 or R2 of
/// weight γ, f″(0)σ² with instance noise of std σ. Its eigenvalues are
/// a ± √(a² − b²).
Matrix2 diracJacobian(double fPrime, double damping);

/// The eigenvalues of a 2 × 2 matrix (the one with the positive imaginary
/// part, or the larger real one, first).
std::vector<std::complex<double>> eigenvalues(const Matrix2& m);

/// The field the consensus rule follows, linearised: J − γ JᵀJ.
Matrix2 consensusJacobian(const Matrix2& j, double weight);

/// ρ of one step of `rule` with step η on the linear field J w:
///   simultaneous   M = I + ηJ
///   alternating    D first: ψ⁺ = ψ + η(J_dg θ + J_dd ψ), then θ⁺ = θ + η(J_gg θ + J_gd ψ⁺)
///   extragradient  M = I + ηJ + η²J²
///   optimistic     w⁺ = w + 2ηJw − ηJw₋ (a 4 × 4 companion map)
///   consensus      M = I + η(J − γJᵀJ)
/// On the bilinear game (J = [[0, 1], [−1, 0]]): √(1 + η²), 1, √(1 − η² + η⁴),
/// below 1 for small η, and √((1 − ηγ)² + η²). Throws for any other rule.
double stepGrowth(const std::string& rule, const Matrix2& j, double eta, double consensusWeight = 0);

/// Spectral radius of a square matrix (row-major, n × n).
double spectralRadius(const std::vector<double>& matrix, int n);

}  // namespace gantry::eval
