#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/Metric.h"

#include <torch/types.h>

#include <vector>

namespace gantry::eval {

struct NearestNeighbours {
  torch::Tensor distances;  // [N] float64: Euclidean distance to the nearest reference row
  torch::Tensor indices;    // [N] int64: its row in the references
};

/// For each query row, its nearest reference row in Euclidean distance
/// (images flattened). The search is a float32 matrix product in blocks
/// (‖q‖² + ‖r‖² − 2q·r); the distances reported are then recomputed exactly
/// in float64 from the pairs found.
NearestNeighbours nearestNeighbours(const torch::Tensor& queries, const torch::Tensor& references, int64_t chunk = 256);

/// "memorization": does the generator copy its training images? For every
/// sample, the pixel-space L2 distance to its nearest training image, beside
/// the same distance for real images: `baselineSize` training images drawn
/// at random (seeded) against the rest of the training set (the registry's
/// "memorization" holds out 1,000, or half of a smaller set). A generator that
/// memorises has many samples far closer to the training set than real
/// images are to each other (median_ratio well below 1, a large
/// fraction_below_train_q01); closest() gives the pairs for the grid that
/// `gantry eval` draws. Pixel distance is blind to shifted or recoloured
/// copies (see docs/evaluation.md). JSON keys: samples, training_images,
/// baseline_images, nearest_distance, train_nearest_distance (each with min,
/// q01, q05, q25, median, mean), median_ratio, fraction_below_train_q01,
/// closest (sample, train_index, distance).
class MemorizationMetric : public Metric {
 public:
  /// training: the images the generator was trained on [N, ...].
  MemorizationMetric(torch::Tensor training, int64_t baselineSize = 1000, uint64_t seed = 0, int64_t pairs = 16);
  std::string name() const override { return "memorization"; }
  void update(const torch::Tensor& samples) override;
  nlohmann::json compute() const override;
  void reset() override;

  /// The `pairs` closest (sample, training image) pairs so far, nearest
  /// first, as images for an 8-column grid: a row of 8 samples, then a row of
  /// their nearest training images, and so on (blank where pairs run out).
  torch::Tensor closestPairsImages() const;

 private:
  struct Pair {
    int64_t sample;
    int64_t trainIndex;
    double distance;
  };
  std::vector<Pair> closest() const;

  torch::Tensor training_;           // as given (for pictures)
  torch::Tensor trainingRows_;       // [N, D] float32
  torch::Tensor baselineDistances_;  // [baselineSize] float64
  int64_t pairs_;
  std::vector<torch::Tensor> samples_;
  std::vector<torch::Tensor> distances_, indices_;
};

MetricEntry memorizationMetric();
}  // namespace gantry::eval
