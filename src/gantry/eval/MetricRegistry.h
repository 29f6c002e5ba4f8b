#pragma once

#include "gantry/core/Registry.h"
#include "gantry/data/DatasetEntry.h"
#include "gantry/data/GaussianMixture.h"
#include "gantry/data/TensorDataset.h"
#include "gantry/eval/FeatureExtractor.h"
#include "gantry/eval/Metric.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace gantry::eval {

/// What a metric is built from: the dataset it judges samples against and,
/// loaded on first use and then shared by every metric of one evaluation,
/// its splits and the classifier's view of its test set. The program
/// implements it (gantry/app/EvalSetup.cpp), where files are found.
class MetricContext {
 public:
  virtual ~MetricContext() = default;
  virtual const data::DatasetEntry& dataset() const = 0;
  /// The toy distribution (null for data read from files).
  virtual std::shared_ptr<const data::GaussianMixture> distribution() const = 0;
  virtual const data::TensorDataset& testSet() = 0;
  virtual const data::TensorDataset& validationSet() = 0;
  virtual const data::TensorDataset& trainingSet() = 0;
  /// The trained classifier of the dataset's classes.
  virtual std::shared_ptr<const FeatureExtractor> extractor() = 0;
  /// The classifier's features of the test set.
  virtual const ImageFeatures& referenceFeatures() = 0;
  /// For metrics that draw (KID's subsets, the memorisation baseline).
  virtual uint64_t seed() const = 0;
};

/// What data a metric judges samples against.
enum class MetricData {
  Mixture,     // a toy mixture of Gaussians with spread (its modes)
  Splits,      // the validation and test splits of the 2014 protocol (mnist, fashion)
  Classifier,  // a trained classifier of the dataset's classes (mnist, fashion)
  Images,      // any image data (mnist, fashion, image folders)
};

/// A metric's registry entry.
struct MetricEntry : RegistryEntry {
  MetricData data = MetricData::Mixture;
  /// Samples its protocol draws (gantry eval's default).
  int64_t protocolSamples = 10000;
  /// Whether evaluation during training runs it when eval_metrics is empty,
  /// for this dataset.
  std::function<bool(const data::DatasetEntry&)> trainingDefault;
  std::function<std::unique_ptr<Metric>(MetricContext&)> make;
  /// One line of its main figures for the terminal, e.g. "fd 12.3".
  std::function<std::string(const nlohmann::json& result)> summarize;
};

/// parzen, modes, fd, kid, prdc, classifier-score, classes, per-class, memorization.
const Registry<MetricEntry>& metrics();

/// Why the metric cannot judge samples of this dataset (a message that
/// names both and what to use instead), or "" when it can.
std::string metricMismatch(const MetricEntry& metric, const data::DatasetEntry& dataset);

}  // namespace gantry::eval
