#include "gantry/eval/ClassifierScore.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

ClassifierScoreResult classifierScore(const torch::Tensor& probabilities, int64_t splits) {
  if (probabilities.dim() != 2 || probabilities.size(0) < 1 || splits < 1)
    throw std::invalid_argument("classifierScore: probabilities [N, C] with N >= 1 and splits >= 1 expected");
  auto p = probabilities.to(torch::kCPU, torch::kFloat64);
  const int64_t n = p.size(0);
  ClassifierScoreResult result;
  result.splits = std::min(splits, n);
  std::vector<double> scores;
  for (int64_t s = 0; s < result.splits; ++s) {
    auto part = p.slice(0, s * n / result.splits, (s + 1) * n / result.splits);
    auto marginal = part.mean(0, true);
    // KL(p(y|x) ‖ p(y)) with 0·log 0 = 0: xlogy handles the zeros.
    auto kl = (torch::xlogy(part, part) - torch::xlogy(part, marginal)).sum(1);
    scores.push_back(std::exp(kl.mean().item<double>()));
  }
  for (double s : scores) result.mean += s / static_cast<double>(scores.size());
  for (double s : scores) result.std += (s - result.mean) * (s - result.mean) / static_cast<double>(scores.size());
  result.std = std::sqrt(result.std);
  return result;
}

nlohmann::json ClassifierScoreMetric::compute() const {
  auto probabilities = generated(1).probabilities;
  auto score = classifierScore(probabilities, splits_);
  return {{"score_mean", score.mean},
          {"score_std", score.std},
          {"splits", score.splits},
          {"samples", probabilities.size(0)}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry classifierScoreMetric() {
  MetricEntry entry;
  entry.name = "classifier-score";
  entry.summary = "exp E KL(p(y|x) || p(y)) with gantry's classifier (the Inception Score's formula), 10 splits";
  entry.citation = "Salimans et al. 2016 (Inception Score)";
  entry.data = MetricData::Classifier;
  entry.trainingDefault = [](const data::DatasetEntry& d) { return d.hasSplits; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    return std::make_unique<ClassifierScoreMetric>(context.extractor(), 10);
  };
  entry.summarize = [](const nlohmann::json& r) {
    return fmt::format("classifier-score {:.3f} ± {:.3f}", r.at("score_mean").get<double>(),
                       r.at("score_std").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
