#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/types.h>

namespace gantry::eval {

/// Mean [F] and covariance [F, F] of feature vectors [N, F], in float64. The
/// covariance divides by N − 1, as numpy.cov and pytorch-fid do.
struct GaussianFit {
  torch::Tensor mean;
  torch::Tensor covariance;
};
GaussianFit fitGaussian(const torch::Tensor& features);

/// Fréchet distance between the Gaussians N(μ1, Σ1) and N(μ2, Σ2):
///   FD = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr (Σ1 Σ2)^½.
/// tr (Σ1 Σ2)^½ is the sum of the square roots of the eigenvalues of
/// Σ1 Σ2, which are those of the symmetric PSD matrix Σ1^½ Σ2 Σ1^½; both
/// square roots come from symmetric eigendecompositions in float64
/// (eigenvalues below 0 by rounding are set to 0), so no complex parts arise
/// as with scipy.linalg.sqrtm of the non-symmetric product.
double frechetDistance(const torch::Tensor& mean1, const torch::Tensor& covariance1, const torch::Tensor& mean2,
                       const torch::Tensor& covariance2);
double frechetDistance(const GaussianFit& a, const GaussianFit& b);

/// "fd": the Fréchet distance between Gaussians fitted to the classifier
/// features of generated and of real images (Heusel et al. 2017, "GANs
/// trained by a two time-scale update rule converge to a local Nash
/// equilibrium"; FID with the Inception network replaced by gantry's
/// classifier). 0 for identical feature statistics. JSON keys: fd, samples,
/// reference_samples.
class FrechetDistanceMetric : public FeatureMetric {
 public:
  /// referenceFeatures: the real images' features [M, F].
  FrechetDistanceMetric(std::shared_ptr<const FeatureExtractor> extractor, const torch::Tensor& referenceFeatures);
  std::string name() const override { return "fd"; }
  nlohmann::json compute() const override;

 private:
  GaussianFit reference_;
  int64_t referenceSize_;
};

MetricEntry frechetDistanceMetric();
}  // namespace gantry::eval
