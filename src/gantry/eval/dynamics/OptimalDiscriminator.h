#pragma once

#include <torch/types.h>

namespace gantry::eval {

/// The optimal discriminator of the original game (Goodfellow et al. 2014,
/// Proposition 1 and Theorem 1), on a grid of 1-d points:
///
///   D*(x) = p_data(x) / (p_data(x) + p_g(x)),
///   V(D*, G) = 2·JSD(p_data ‖ p_g) − log 4,
///
/// with p_g estimated from G's samples by a Gaussian kernel density.

/// Silverman's rule of thumb for a Gaussian kernel on 1-d samples [N]:
/// 0.9 · min(σ, IQR/1.34) · N^(−1/5).
double silvermanBandwidth(const torch::Tensor& samples);

/// The kernel density of samples [N] at points [M] (float64).
torch::Tensor kernelDensity(const torch::Tensor& samples, const torch::Tensor& points, double bandwidth);

/// D* on a grid from the two densities there (½ where both vanish).
torch::Tensor optimalDiscriminator(const torch::Tensor& pData, const torch::Tensor& pG);

/// JSD(p ‖ q) in nats by the trapezoidal rule on an evenly spaced grid with
/// step dx: ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2; log 2 at most.
double jensenShannon(const torch::Tensor& p, const torch::Tensor& q, double dx);

}  // namespace gantry::eval
