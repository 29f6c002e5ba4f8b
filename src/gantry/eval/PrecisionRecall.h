#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/types.h>

namespace gantry::eval {

/// Euclidean distances between the rows of a [n, d] and b [m, d]: [n, m],
/// float64, from ‖a‖² + ‖b‖² − 2a·b (negative rounding clamped to 0).
torch::Tensor pairwiseDistances(const torch::Tensor& a, const torch::Tensor& b);

/// Radius of each point's k-nearest-neighbour ball within its own set: the
/// (k+1)-th smallest distance to the set's points, the point itself (at 0)
/// included, as in Naeem et al.'s code. [N], float64.
torch::Tensor nearestNeighbourRadii(const torch::Tensor& points, int64_t k);

struct Prdc {
  double precision = 0.0, recall = 0.0, density = 0.0, coverage = 0.0;
};

/// Precision, recall, density and coverage of `fake` against `real` (rows
/// are feature vectors), with k-NN balls B(x, r_k(x)), "inside" meaning a
/// distance strictly below the radius:
///   precision = (1/M) Σ_j 1[∃i: y_j ∈ B(x_i)]        (Kynkäänniemi et al. 2019)
///   recall    = (1/N) Σ_i 1[∃j: x_i ∈ B(y_j)]        (Kynkäänniemi et al. 2019)
///   density   = (1/kM) Σ_j Σ_i 1[y_j ∈ B(x_i)]       (Naeem et al. 2020)
///   coverage  = (1/N) Σ_i 1[∃j: y_j ∈ B(x_i)]        (Naeem et al. 2020)
/// x_i: the N real points, y_j: the M fake ones, radii within each set.
/// `realRadii` may be passed when already known (else computed).
Prdc precisionRecallDensityCoverage(const torch::Tensor& real, const torch::Tensor& fake, int64_t k = 5,
                                    torch::Tensor realRadii = {});

/// "prdc": the four manifold metrics above on classifier features, k = 5
/// (both papers' choice). Precision and density say how much of the
/// generated mass is realistic, recall and coverage how much of the real
/// data it reaches; density can exceed 1. JSON keys: precision, recall,
/// density, coverage, k, samples, reference_samples.
class PrecisionRecallMetric : public FeatureMetric {
 public:
  PrecisionRecallMetric(std::shared_ptr<const FeatureExtractor> extractor, torch::Tensor referenceFeatures,
                        int64_t k = 5);
  std::string name() const override { return "prdc"; }
  nlohmann::json compute() const override;

 private:
  torch::Tensor reference_;
  torch::Tensor referenceRadii_;  // fixed with the reference: computed once
  int64_t k_;
};

MetricEntry precisionRecallMetric();
}  // namespace gantry::eval
