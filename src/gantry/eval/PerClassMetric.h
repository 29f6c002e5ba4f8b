#pragma once

#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/FeatureMetric.h"
#include "gantry/eval/FrechetDistance.h"

#include <torch/types.h>

#include <vector>

namespace gantry::eval {

/// "per-class": how well a conditional generator draws the class it is asked
/// for. For each class c, among the samples drawn for c:
///  - accuracy: the share the classifier assigns to c (the "classification
///    accuracy" of generated samples, Odena et al. 2017, section 4.1, with
///    gantry's classifier), and
///  - fd: the Fréchet distance between their features and those of the test
///    images of class c (an intra-class FID, Miyato & Koyama 2018,
///    section 5.1), which sees the variety within a class that accuracy
///    does not (one perfect digit per class scores 100%).
/// Then the mean over the classes drawn, and the lowest accuracy with its
/// class. Needs samples with the class each was drawn for (gantry eval --run
/// of a conditional run; with --label c only class c is judged). JSON keys:
/// accuracy, fd, samples (per class, null for classes not drawn),
/// mean_accuracy, lowest_accuracy, lowest_class, mean_fd, classes_drawn.
class PerClassMetric : public FeatureMetric {
 public:
  /// reference: the test images' features [M, F] and labels [M].
  PerClassMetric(std::shared_ptr<const FeatureExtractor> extractor, const torch::Tensor& referenceFeatures,
                 const torch::Tensor& referenceLabels, int64_t classes);
  std::string name() const override { return "per-class"; }
  nlohmann::json compute() const override;

 private:
  std::vector<GaussianFit> reference_;  // per class
  int64_t classes_;
};

MetricEntry perClassMetric();

}  // namespace gantry::eval
