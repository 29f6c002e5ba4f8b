#include "gantry/eval/FrechetDistance.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <stdexcept>

namespace gantry::eval {

namespace {

/// Σ^½ of a symmetric PSD matrix: V diag(√max(λ, 0)) Vᵀ.
torch::Tensor symmetricSquareRoot(const torch::Tensor& matrix) {
  auto [eigenvalues, eigenvectors] = torch::linalg_eigh(matrix);
  return eigenvectors.matmul(torch::diag(eigenvalues.clamp_min(0).sqrt())).matmul(eigenvectors.t());
}

}  // namespace

GaussianFit fitGaussian(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw std::invalid_argument("fitGaussian: needs features [N, F] with N >= 2");
  auto x = features.to(torch::kCPU, torch::kFloat64);
  auto mean = x.mean(0);
  auto centred = x - mean;
  auto covariance = centred.t().matmul(centred) / static_cast<double>(x.size(0) - 1);
  return {mean, covariance};
}

double frechetDistance(const torch::Tensor& mean1, const torch::Tensor& covariance1, const torch::Tensor& mean2,
                       const torch::Tensor& covariance2) {
  auto m1 = mean1.to(torch::kCPU, torch::kFloat64), m2 = mean2.to(torch::kCPU, torch::kFloat64);
  auto s1 = covariance1.to(torch::kCPU, torch::kFloat64), s2 = covariance2.to(torch::kCPU, torch::kFloat64);
  if (m1.dim() != 1 || m1.sizes() != m2.sizes() || s1.dim() != 2 || s1.size(0) != m1.size(0) ||
      s1.size(1) != m1.size(0) || s1.sizes() != s2.sizes())
    throw std::invalid_argument("frechetDistance: means [F] and covariances [F, F] of the same F expected");
  auto root1 = symmetricSquareRoot(s1);
  auto inner = root1.matmul(s2).matmul(root1);
  inner = (inner + inner.t()) / 2;  // symmetric up to rounding; eigvalsh wants it exactly
  double traceOfRoot = torch::linalg_eigvalsh(inner).clamp_min(0).sqrt().sum().item<double>();
  double meanTerm = (m1 - m2).pow(2).sum().item<double>();
  return meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2.0 * traceOfRoot;
}

double frechetDistance(const GaussianFit& a, const GaussianFit& b) {
  return frechetDistance(a.mean, a.covariance, b.mean, b.covariance);
}

FrechetDistanceMetric::FrechetDistanceMetric(std::shared_ptr<const FeatureExtractor> extractor,
                                             const torch::Tensor& referenceFeatures)
    : FeatureMetric(std::move(extractor)),
      reference_(fitGaussian(referenceFeatures)),
      referenceSize_(referenceFeatures.size(0)) {}

nlohmann::json FrechetDistanceMetric::compute() const {
  auto features = generated(2).features;
  return {{"fd", frechetDistance(fitGaussian(features), reference_)},
          {"samples", features.size(0)},
          {"reference_samples", referenceSize_}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry frechetDistanceMetric() {
  MetricEntry entry;
  entry.name = "fd";
  entry.summary = "Frechet distance between Gaussians fitted to the classifier's features of samples and test set";
  entry.citation = "Heusel et al. 2017 (FID), with gantry's classifier in place of Inception";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    const auto& real = context.referenceFeatures();
    return std::make_unique<FrechetDistanceMetric>(context.extractor(), real.features);
  };
  entry.summarize = [](const nlohmann::json& r) { return fmt::format("fd {:.4g}", r.at("fd").get<double>()); };
  return entry;
}

}  // namespace gantry::eval
