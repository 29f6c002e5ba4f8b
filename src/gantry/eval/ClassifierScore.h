#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"

#include <torch/types.h>

namespace gantry::eval {

struct ClassifierScoreResult {
  double mean = 0.0;
  double std = 0.0;  // over the splits (population std, as the Inception Score code)
  int64_t splits = 0;
};

/// The Inception Score formula on class probabilities p(y|x) [N, C]: the N
/// rows are cut into `splits` consecutive parts (fewer when N < splits);
/// in each, with p(y) the part's mean of p(y|x),
///   score = exp( E_x KL(p(y|x) ‖ p(y)) ),
/// and the parts' scores give mean and std. Between 1 (every x gets the same
/// distribution) and C (confident, with classes used equally).
ClassifierScoreResult classifierScore(const torch::Tensor& probabilities, int64_t splits = 10);

/// "classifier-score": the Inception Score of Salimans et al. 2016
/// ("Improved techniques for training GANs") with gantry's classifier in
/// place of Inception-v3, 10 splits. JSON keys: score_mean, score_std,
/// splits, samples.
class ClassifierScoreMetric : public FeatureMetric {
 public:
  explicit ClassifierScoreMetric(std::shared_ptr<const FeatureExtractor> extractor, int64_t splits = 10)
      : FeatureMetric(std::move(extractor)), splits_(splits) {}
  std::string name() const override { return "classifier-score"; }
  nlohmann::json compute() const override;

 private:
  int64_t splits_;
};

MetricEntry classifierScoreMetric();
}  // namespace gantry::eval
