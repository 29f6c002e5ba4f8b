#include "gantry/eval/PrecisionRecall.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <stdexcept>

namespace gantry::eval {

namespace {

// Rows per block: a block of distances is kChunk × (other set) doubles.
constexpr int64_t kChunk = 1000;

}  // namespace

torch::Tensor pairwiseDistances(const torch::Tensor& a, const torch::Tensor& b) {
  auto x = a.to(torch::kFloat64), y = b.to(torch::kFloat64);
  auto squared = x.pow(2).sum(1, true) + y.pow(2).sum(1).unsqueeze(0) - 2.0 * x.matmul(y.t());
  return squared.clamp_min(0).sqrt();
}

torch::Tensor nearestNeighbourRadii(const torch::Tensor& points, int64_t k) {
  const int64_t n = points.size(0);
  if (k < 1 || k >= n)
    throw std::invalid_argument("nearestNeighbourRadii: k must be in [1, N - 1], got k = " + std::to_string(k) +
                                " for N = " + std::to_string(n));
  auto x = points.to(torch::kCPU, torch::kFloat64);
  std::vector<torch::Tensor> radii;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    auto distances = pairwiseDistances(x.slice(0, begin, begin + kChunk), x);
    auto smallest = std::get<0>(distances.topk(k + 1, 1, /*largest=*/false, /*sorted=*/true));
    radii.push_back(smallest.select(1, k));
  }
  return torch::cat(radii);
}

Prdc precisionRecallDensityCoverage(const torch::Tensor& real, const torch::Tensor& fake, int64_t k,
                                    torch::Tensor realRadii) {
  auto x = real.to(torch::kCPU, torch::kFloat64), y = fake.to(torch::kCPU, torch::kFloat64);
  if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1))
    throw std::invalid_argument("precisionRecallDensityCoverage: real [N, d] and fake [M, d] expected");
  if (!realRadii.defined()) realRadii = nearestNeighbourRadii(x, k);
  if (realRadii.dim() != 1 || realRadii.size(0) != x.size(0))
    throw std::invalid_argument("precisionRecallDensityCoverage: one radius per real point expected");
  realRadii = realRadii.to(torch::kCPU, torch::kFloat64);
  auto fakeRadii = nearestNeighbourRadii(y, k);
  const int64_t n = x.size(0), m = y.size(0);
  auto fakeInSomeRealBall = torch::zeros({m}, torch::kBool);
  auto realBallsPerFake = torch::zeros({m}, torch::kFloat64);
  std::vector<torch::Tensor> realInSomeFakeBall, realBallHasFake;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    auto distances = pairwiseDistances(x.slice(0, begin, begin + kChunk), y);  // [c, M]
    auto insideReal = distances < realRadii.slice(0, begin, begin + kChunk).unsqueeze(1);
    fakeInSomeRealBall |= insideReal.any(0);
    realBallsPerFake += insideReal.sum(0).to(torch::kFloat64);
    realInSomeFakeBall.push_back((distances < fakeRadii.unsqueeze(0)).any(1));
    realBallHasFake.push_back(insideReal.any(1));
  }
  Prdc result;
  result.precision = fakeInSomeRealBall.to(torch::kFloat64).mean().item<double>();
  result.recall = torch::cat(realInSomeFakeBall).to(torch::kFloat64).mean().item<double>();
  result.density = realBallsPerFake.mean().item<double>() / static_cast<double>(k);
  result.coverage = torch::cat(realBallHasFake).to(torch::kFloat64).mean().item<double>();
  return result;
}

PrecisionRecallMetric::PrecisionRecallMetric(std::shared_ptr<const FeatureExtractor> extractor,
                                             torch::Tensor referenceFeatures, int64_t k)
    : FeatureMetric(std::move(extractor)),
      reference_(referenceFeatures.to(torch::kCPU, torch::kFloat64)),
      referenceRadii_(nearestNeighbourRadii(reference_, k)),
      k_(k) {}

nlohmann::json PrecisionRecallMetric::compute() const {
  auto features = generated(k_ + 1).features;
  auto prdc = precisionRecallDensityCoverage(reference_, features, k_, referenceRadii_);
  return {{"precision", prdc.precision},
          {"recall", prdc.recall},
          {"density", prdc.density},
          {"coverage", prdc.coverage},
          {"k", k_},
          {"samples", features.size(0)},
          {"reference_samples", reference_.size(0)}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry precisionRecallMetric() {
  MetricEntry entry;
  entry.name = "prdc";
  entry.summary = "precision, recall, density and coverage of k-nearest-neighbour balls (k = 5) in feature space";
  entry.citation = "Kynkaanniemi et al. 2019; Naeem et al. 2020";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    const auto& real = context.referenceFeatures();
    return std::make_unique<PrecisionRecallMetric>(context.extractor(), real.features, 5);
  };
  entry.summarize = [](const nlohmann::json& r) {
    return fmt::format("precision {:.3f} recall {:.3f} density {:.3f} coverage {:.3f}", r.at("precision").get<double>(),
                       r.at("recall").get<double>(), r.at("density").get<double>(), r.at("coverage").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
