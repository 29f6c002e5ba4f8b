#pragma once

#include "gantry/models/CnnClassifier.h"

#include <torch/types.h>

#include <vector>

namespace gantry::eval {

/// What the classifier sees in a set of images: its penultimate features and
/// its class probabilities, float32 on the CPU, one row per image.
struct ImageFeatures {
  torch::Tensor features;       // [N, F]
  torch::Tensor probabilities;  // [N, classes], softmax of the logits
  /// [N] int64: the class each image was drawn for (samples of a
  /// conditional generator); undefined otherwise. Not the classifier's.
  torch::Tensor labels;
  int64_t size() const { return features.defined() ? features.size(0) : 0; }
  /// The rows of all parts, in order.
  static ImageFeatures concatenate(const std::vector<ImageFeatures>& parts);
};

/// Runs the trained classifier over images in batches, on its device, with
/// gradients off and dropout in eval mode. The feature metrics (FD, KID,
/// PRDC, classifier score, classes) all read one pass of it.
class FeatureExtractor {
 public:
  FeatureExtractor(models::CnnClassifier classifier, torch::Device device, int64_t batchSize = 1000);
  virtual ~FeatureExtractor() = default;
  /// images [N, C, H, W] (or [N, C*H*W]) with pixels in [0, 1]. Virtual so
  /// that tests can count the passes.
  virtual ImageFeatures extract(const torch::Tensor& images) const;
  int64_t featureDim() const { return classifier_->options().feature_dim(); }
  int64_t classes() const { return classifier_->options().classes(); }

 private:
  mutable models::CnnClassifier classifier_;  // forward() is not const in LibTorch
  torch::Device device_;
  int64_t batchSize_;
};

}  // namespace gantry::eval
