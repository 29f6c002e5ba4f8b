#pragma once

#include "gantry/eval/FeatureExtractor.h"
#include "gantry/eval/Metric.h"

#include <memory>
#include <vector>

namespace gantry::eval {

/// A metric of the classifier's view of generated images. update() runs the
/// extractor; an Evaluator instead runs it once per batch for all feature
/// metrics and calls updateFeatures(). The generated features are kept (the
/// metrics need all of them at once: covariances, subsets, neighbours).
class FeatureMetric : public Metric {
 public:
  /// `extractor` may be null when only updateFeatures() is used (tests).
  explicit FeatureMetric(std::shared_ptr<const FeatureExtractor> extractor) : extractor_(std::move(extractor)) {}
  void update(const torch::Tensor& samples) override;
  virtual void updateFeatures(const ImageFeatures& features) { generated_.push_back(features); }
  void reset() override { generated_.clear(); }
  const std::shared_ptr<const FeatureExtractor>& extractor() const { return extractor_; }

 protected:
  /// All generated features so far. Throws UserError when there
  /// are fewer than `minimum`.
  ImageFeatures generated(int64_t minimum = 1) const;

 private:
  std::shared_ptr<const FeatureExtractor> extractor_;
  std::vector<ImageFeatures> generated_;
};

}  // namespace gantry::eval
