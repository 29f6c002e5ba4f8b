#include "gantry/eval/Memorization.h"

#include "gantry/core/Error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace gantry::eval {

namespace {

torch::Tensor rows(const torch::Tensor& images) {
  return images.reshape({images.size(0), -1}).to(torch::kCPU, torch::kFloat32).contiguous();
}

nlohmann::json quantiles(const torch::Tensor& distances) {
  auto q = torch::quantile(distances, torch::tensor({0.01, 0.05, 0.25, 0.5}, torch::kFloat64));
  return {{"min", distances.min().item<double>()},
          {"q01", q[0].item<double>()},
          {"q05", q[1].item<double>()},
          {"q25", q[2].item<double>()},
          {"median", q[3].item<double>()},
          {"mean", distances.mean().item<double>()}};
}

}  // namespace

NearestNeighbours nearestNeighbours(const torch::Tensor& queries, const torch::Tensor& references, int64_t chunk) {
  auto q = rows(queries), r = rows(references);
  if (q.size(1) != r.size(1) || r.size(0) < 1)
    throw std::invalid_argument("nearestNeighbours: queries and references of one dimension expected");
  auto referenceNorms = r.pow(2).sum(1).unsqueeze(0);
  std::vector<torch::Tensor> indices;
  for (int64_t begin = 0; begin < q.size(0); begin += chunk) {
    auto block = q.slice(0, begin, begin + chunk);
    // ‖q‖² is the same along a row: the nearest reference minimises ‖r‖² − 2q·r.
    auto partial = referenceNorms - 2.0f * block.matmul(r.t());
    indices.push_back(partial.argmin(1));
  }
  auto nearest = indices.empty() ? torch::zeros({0}, torch::kLong) : torch::cat(indices);
  auto exact = (q.to(torch::kFloat64) - r.index_select(0, nearest).to(torch::kFloat64)).norm(2, 1);
  return {exact, nearest};
}

MemorizationMetric::MemorizationMetric(torch::Tensor training, int64_t baselineSize, uint64_t seed, int64_t pairs)
    : training_(training.cpu()), trainingRows_(rows(training)), pairs_(pairs) {
  const int64_t n = trainingRows_.size(0);
  if (baselineSize < 1 || baselineSize >= n)
    throw std::invalid_argument("MemorizationMetric: the baseline must be a proper subset of the training images");
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto order = torch::randperm(n, rng, torch::kLong);
  auto baseline = trainingRows_.index_select(0, order.slice(0, 0, baselineSize));
  auto rest = trainingRows_.index_select(0, order.slice(0, baselineSize));
  baselineDistances_ = nearestNeighbours(baseline, rest).distances;
}

void MemorizationMetric::reset() {
  samples_.clear();
  distances_.clear();
  indices_.clear();
}

void MemorizationMetric::update(const torch::Tensor& samples) {
  auto r = rows(samples);
  if (r.size(1) != trainingRows_.size(1))
    throw UserError("metric 'memorization': samples of " + std::to_string(r.size(1)) +
                    " values, the training images have " + std::to_string(trainingRows_.size(1)));
  auto nn = nearestNeighbours(r, trainingRows_);
  samples_.push_back(samples.detach().cpu());
  distances_.push_back(nn.distances);
  indices_.push_back(nn.indices);
}

std::vector<MemorizationMetric::Pair> MemorizationMetric::closest() const {
  auto distances = torch::cat(distances_);
  auto indices = torch::cat(indices_);
  auto order = std::get<1>(distances.sort(/*stable=*/true, 0, /*descending=*/false));
  std::vector<Pair> pairs;
  for (int64_t k = 0; k < std::min<int64_t>(pairs_, order.size(0)); ++k) {
    int64_t s = order[k].item<int64_t>();
    pairs.push_back({s, indices[s].item<int64_t>(), distances[s].item<double>()});
  }
  return pairs;
}

nlohmann::json MemorizationMetric::compute() const {
  if (distances_.empty()) throw UserError("metric 'memorization' needs at least 1 sample; give more samples (-n)");
  auto distances = torch::cat(distances_);
  const double baselineMedian = torch::quantile(baselineDistances_, 0.5).item<double>();
  const double baselineQ01 = torch::quantile(baselineDistances_, 0.01).item<double>();
  nlohmann::json closestJson = nlohmann::json::array();
  for (const auto& p : closest())
    closestJson.push_back({{"sample", p.sample}, {"train_index", p.trainIndex}, {"distance", p.distance}});
  return {{"samples", distances.size(0)},
          {"training_images", trainingRows_.size(0)},
          {"baseline_images", baselineDistances_.size(0)},
          {"nearest_distance", quantiles(distances)},
          {"train_nearest_distance", quantiles(baselineDistances_)},
          {"median_ratio", torch::quantile(distances, 0.5).item<double>() / baselineMedian},
          {"fraction_below_train_q01", (distances < baselineQ01).to(torch::kFloat64).mean().item<double>()},
          {"closest", closestJson}};
}

torch::Tensor MemorizationMetric::closestPairsImages() const {
  if (distances_.empty()) return {};
  auto samples = torch::cat(samples_);
  auto pairs = closest();
  const int64_t columns = 8;
  std::vector<torch::Tensor> images;
  for (size_t row = 0; row < pairs.size(); row += columns) {
    const size_t end = std::min(pairs.size(), row + columns);
    for (size_t k = row; k < end; ++k) images.push_back(samples[pairs[k].sample].reshape(training_[0].sizes()));
    for (size_t k = end; k < row + columns; ++k) images.push_back(torch::ones_like(training_[0]));
    for (size_t k = row; k < end; ++k) images.push_back(training_[pairs[k].trainIndex]);
    for (size_t k = end; k < row + columns; ++k) images.push_back(torch::ones_like(training_[0]));
  }
  return torch::stack(images).to(torch::kFloat32);
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry memorizationMetric() {
  MetricEntry entry;
  entry.name = "memorization";
  entry.summary = "distances from samples to their nearest training images, against held-in training images";
  entry.citation = "";
  entry.data = MetricData::Images;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return !d.isToy() && !d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    auto training = context.trainingSet().samples();
    const int64_t n = training.size(0);
    if (n < 2)
      throw UserError(
          fmt::format("metric 'memorization' compares training images with each other; the training set "
                      "has {}: give a folder of at least 2 images or drop the metric",
                      n));
    // 1,000 held-in images, or half of a smaller set (an image folder of
    // 1,000 or fewer stopped every evaluation with an internal error).
    return std::make_unique<MemorizationMetric>(training, std::min<int64_t>(1000, n / 2), context.seed());
  };
  entry.summarize = [](const nlohmann::json& r) {
    return fmt::format("memorization: median NN distance {:.3f} ({:.2f}× the training set's)",
                       r.at("nearest_distance").at("median").get<double>(), r.at("median_ratio").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
