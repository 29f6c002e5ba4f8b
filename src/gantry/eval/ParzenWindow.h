#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/Metric.h"

#include <torch/types.h>

#include <vector>

namespace gantry::eval {

/// The bandwidths of the 2014 script: logspace(−1, 0, 10) = 0.1 … 1.0.
std::vector<double> parzenSigmaGrid();

/// Log-density of each point under the Parzen window (a mixture of
/// isotropic Gaussians, one per centre μᵢ, equal weights) for each σ:
///   log p(x) = logmeanexp_i(−‖x − μᵢ‖² / (2σ²)) − d·log(σ√(2π)),
/// d the dimension. points [N, d], centres [M, d] → [N, S] float64. The
/// squared distances come from ‖x‖² + ‖μ‖² − 2x·μ as matrix products in
/// float64, in blocks of `chunk` points, with a stable log-sum-exp.
torch::Tensor parzenLogDensity(const torch::Tensor& points, const torch::Tensor& centres,
                               const std::vector<double>& sigmas, int64_t chunk = 1000);

struct ParzenResult {
  double sigma = 0.0;                           // chosen on the validation images
  double logLikelihood = 0.0;                   // mean log p(x) over the test images
  double standardError = 0.0;                   // std / √N (population std, as numpy's)
  std::vector<double> sigmas;                   // the grid
  std::vector<double> validationLogLikelihood;  // mean over the validation images, per σ
};

/// The 2014 evaluation: σ is the grid value with the highest mean
/// log-likelihood of `validation` (the first maximum on ties), and the
/// result is the mean log-likelihood of `test` under that σ with its
/// standard error. All images flattened to rows.
ParzenResult parzenLogLikelihood(const torch::Tensor& centres, const torch::Tensor& validation,
                                 const torch::Tensor& test, const std::vector<double>& sigmas = parzenSigmaGrid());

/// Values of a grid `steps` times finer than `grid` (a log-spaced grid of
/// two or more values), from the neighbour below grid[best] to the one
/// above, both included. Why: near its best σ* the mean log-likelihood of
/// d-dimensional data falls like d·u² for σ = σ*·e^u, so the 2014 grid's
/// steps (a factor 10^(1/9)) cost up to d·(ln 10 / 18)², 12.8 nats on
/// MNIST's 784 pixels, when σ* falls between two of its values; ten times
/// finer, 0.13 (docs/reproduction.md measures it).
std::vector<double> parzenRefinedSigmas(const std::vector<double>& grid, size_t best, int steps);

/// "parzen": the Gaussian Parzen-window log-likelihood of Goodfellow et al.
/// 2014 (after Breuleux et al. 2011), exactly as the authors' script
/// parzen_ll.py: the generated samples (10,000 by default) are the kernel
/// centres, σ is cross-validated on the first 1,000 validation images
/// (MNIST train[50000:60000]) and the test set (10,000) is scored, pixels in
/// [0, 1]. In nats; higher is better. High variance and poor behaviour in
/// high dimension (the paper's own warning; Theis et al. 2016). JSON keys:
/// log_likelihood, standard_error, sigma, sigmas, validation_log_likelihood,
/// samples, validation_images, test_images, and fine_grid: log_likelihood,
/// standard_error and sigma with σ chosen again, on parzenRefinedSigmas
/// around the paper's choice, and how many values that was (not the paper's
/// number, but not at the mercy of where σ* falls between its values).
class ParzenMetric : public Metric {
 public:
  /// validation, test: images [N, ...] with pixels in [0, 1].
  ParzenMetric(torch::Tensor validation, torch::Tensor test, std::vector<double> sigmas = parzenSigmaGrid(),
               int refineSteps = 10);
  std::string name() const override { return "parzen"; }
  void update(const torch::Tensor& samples) override;
  nlohmann::json compute() const override;
  void reset() override { centres_.clear(); }

 private:
  torch::Tensor validation_, test_;
  std::vector<double> sigmas_;
  int refineSteps_;
  std::vector<torch::Tensor> centres_;
};

MetricEntry parzenMetric();
}  // namespace gantry::eval
