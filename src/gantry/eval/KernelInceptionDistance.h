#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/types.h>

namespace gantry::eval {

/// The cubic polynomial kernel k(x, y) = (x·y / d + 1)³ between the rows of
/// x [n, d] and y [m, d]: [n, m], float64.
torch::Tensor polynomialKernel(const torch::Tensor& x, const torch::Tensor& y);

/// Unbiased estimate of MMD² between the sets x and y (m rows each) with the
/// polynomial kernel:
///   MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1))
///           − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
/// (Gretton et al. 2012, Lemma 6; the form torch-fidelity computes). It can
/// be negative when the sets come from one distribution.
double unbiasedMmd2(const torch::Tensor& x, const torch::Tensor& y);

struct KidResult {
  double mean = 0.0;
  double std = 0.0;  // over the subsets (population std, as torch-fidelity)
  int64_t subsets = 0;
  int64_t subsetSize = 0;
};

/// KID: MMD²ᵤ of `subsets` pairs of random subsets of `subsetSize` rows
/// (without replacement, from a generator seeded with `seed`), averaged.
/// subsetSize is capped at the smaller set's size.
KidResult kernelInceptionDistance(const torch::Tensor& a, const torch::Tensor& b, int64_t subsets = 100,
                                  int64_t subsetSize = 1000, uint64_t seed = 0);

/// "kid": the kernel inception distance of Bińkowski et al. 2018
/// ("Demystifying MMD GANs"), on gantry's classifier features: unbiased, so
/// its expectation is 0 for two samples of one distribution at any N (FD's
/// is not). Protocol of torch-fidelity: 100 subsets of 1,000. JSON keys:
/// kid_mean, kid_std, subsets, subset_size, samples, reference_samples.
class KernelInceptionDistanceMetric : public FeatureMetric {
 public:
  KernelInceptionDistanceMetric(std::shared_ptr<const FeatureExtractor> extractor, torch::Tensor referenceFeatures,
                                int64_t subsets = 100, int64_t subsetSize = 1000, uint64_t seed = 0);
  std::string name() const override { return "kid"; }
  nlohmann::json compute() const override;

 private:
  torch::Tensor reference_;
  int64_t subsets_, subsetSize_;
  uint64_t seed_;
};

MetricEntry kernelInceptionDistanceMetric();
}  // namespace gantry::eval
