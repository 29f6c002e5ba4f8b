#include "gantry/eval/KernelInceptionDistance.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

torch::Tensor polynomialKernel(const torch::Tensor& x, const torch::Tensor& y) {
  auto a = x.to(torch::kFloat64), b = y.to(torch::kFloat64);
  return (a.matmul(b.t()) / static_cast<double>(a.size(1)) + 1.0).pow(3);
}

double unbiasedMmd2(const torch::Tensor& x, const torch::Tensor& y) {
  const int64_t m = x.size(0);
  if (m < 2 || y.size(0) != m || x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1))
    throw std::invalid_argument("unbiasedMmd2: two sets [m, d] with m >= 2 expected");
  auto kxx = polynomialKernel(x, x), kyy = polynomialKernel(y, y), kxy = polynomialKernel(x, y);
  const double md = static_cast<double>(m);
  double offDiagonalXX = (kxx.sum() - kxx.trace()).item<double>();
  double offDiagonalYY = (kyy.sum() - kyy.trace()).item<double>();
  return (offDiagonalXX + offDiagonalYY) / (md * (md - 1)) - 2.0 * kxy.sum().item<double>() / (md * md);
}

KidResult kernelInceptionDistance(const torch::Tensor& a, const torch::Tensor& b, int64_t subsets, int64_t subsetSize,
                                  uint64_t seed) {
  if (subsets < 1) throw std::invalid_argument("kernelInceptionDistance: subsets must be at least 1");
  KidResult result;
  result.subsets = subsets;
  result.subsetSize = std::min({subsetSize, a.size(0), b.size(0)});
  auto x = a.to(torch::kCPU, torch::kFloat64), y = b.to(torch::kCPU, torch::kFloat64);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<double> values;
  for (int64_t s = 0; s < subsets; ++s) {
    auto ia = torch::randperm(x.size(0), rng, torch::kLong).slice(0, 0, result.subsetSize);
    auto ib = torch::randperm(y.size(0), rng, torch::kLong).slice(0, 0, result.subsetSize);
    values.push_back(unbiasedMmd2(x.index_select(0, ia), y.index_select(0, ib)));
  }
  for (double v : values) result.mean += v / static_cast<double>(subsets);
  for (double v : values) result.std += (v - result.mean) * (v - result.mean) / static_cast<double>(subsets);
  result.std = std::sqrt(result.std);
  return result;
}

KernelInceptionDistanceMetric::KernelInceptionDistanceMetric(std::shared_ptr<const FeatureExtractor> extractor,
                                                             torch::Tensor referenceFeatures, int64_t subsets,
                                                             int64_t subsetSize, uint64_t seed)
    : FeatureMetric(std::move(extractor)),
      reference_(referenceFeatures.to(torch::kCPU, torch::kFloat64)),
      subsets_(subsets),
      subsetSize_(subsetSize),
      seed_(seed) {}

nlohmann::json KernelInceptionDistanceMetric::compute() const {
  auto features = generated(2).features;
  auto kid = kernelInceptionDistance(features, reference_, subsets_, subsetSize_, seed_);
  return {{"kid_mean", kid.mean},          {"kid_std", kid.std},          {"subsets", kid.subsets},
          {"subset_size", kid.subsetSize}, {"samples", features.size(0)}, {"reference_samples", reference_.size(0)}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry kernelInceptionDistanceMetric() {
  MetricEntry entry;
  entry.name = "kid";
  entry.summary = "kernel distance (unbiased MMD, cubic kernel) on the classifier's features, over 100 subsets";
  entry.citation = "Binkowski et al. 2018 (KID), with gantry's classifier in place of Inception";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    const auto& real = context.referenceFeatures();
    return std::make_unique<KernelInceptionDistanceMetric>(context.extractor(), real.features, 100, 1000,
                                                           context.seed());
  };
  entry.summarize = [](const nlohmann::json& r) {
    return fmt::format("kid {:.4g} ± {:.2g}", r.at("kid_mean").get<double>(), r.at("kid_std").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
