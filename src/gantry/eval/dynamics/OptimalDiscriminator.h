#pragma once

#include <torch/types.h>

namespace gantry::eval {

/// The optimal discriminator of the original game (Goodfellow et al. 2014,
/// Proposition 1 and Theorem 1), on a grid of 1-d points:
///
///   D*(x) = p_data(x) / (p_data(x) + p_g(x)),
///   V(D*, G) = 2·JSD(p_data ‖ p_g) − log 4,
///
/// with p_g estimated from G's samples.

/// The density of samples [N] on an evenly spaced grid [M] (float64),
/// in time linear in N (10^7 samples in about a second): each sample is
/// split between its two neighbouring grid points in proportion to its
/// distance (linear binning), and the counts are convolved with a Gaussian of
/// the bandwidth sampled at the grid's step (Wand 1994, "Fast computation of
/// multivariate kernel estimators"). A bandwidth below the step leaves the
/// linear binning alone: a triangular kernel as wide as one step. Samples
/// outside the grid are counted in N but not placed.
torch::Tensor binnedDensity(const torch::Tensor& samples, const torch::Tensor& grid, double bandwidth);

/// D* on a grid from the two densities there (½ where both vanish).
torch::Tensor optimalDiscriminator(const torch::Tensor& pData, const torch::Tensor& pG);

/// JSD(p ‖ q) in nats by the trapezoidal rule on an evenly spaced grid with
/// step dx: ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2; log 2 at most.
double jensenShannon(const torch::Tensor& p, const torch::Tensor& q, double dx);

}  // namespace gantry::eval
