#pragma once

#include "gantry/core/Config.h"
#include "gantry/eval/Evaluator.h"
#include "gantry/eval/FeatureExtractor.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gantry::app {

/// Turns metric names and a config into an eval::Evaluator, for `gantry
/// eval` and for evaluation during training (eval_every).

/// The metric names, in the order `gantry eval --help` lists them.
const std::vector<std::string>& metricNames();
/// "fd,kid" → {"fd", "kid"} (empty entries dropped).
std::vector<std::string> parseMetricList(const std::string& text);
/// Samples each metric's protocol asks for: 2,500 for modes (PacGAN),
/// 10,000 for the others (the 2014 Parzen protocol; the test set's size for
/// the feature metrics).
int64_t protocolSampleCount(const std::string& metric);
/// What a run evaluates during training when eval_metrics is empty: modes on
/// the toy data, fd, kid, prdc, classifier-score and classes on mnist and
/// fashion, memorization on image folders.
std::vector<std::string> defaultTrainingMetrics(const Config& config);

/// Where `gantry classifier train --dataset NAME` saves by default and where
/// the metrics look: <data root>/classifiers/NAME.pt.
std::filesystem::path defaultClassifierPath(const std::string& dataset);

struct EvaluatorOptions {
  std::filesystem::path classifier;  // empty: defaultClassifierPath(dataset)
  uint64_t seed = 0;                 // KID's subsets, the memorisation baseline's images
  std::string origin = "--metrics";  // where the names came from, for messages
};

/// What an evaluator was built from, for the report.
struct EvaluatorSetup {
  std::shared_ptr<eval::Evaluator> evaluator;
  nlohmann::json classifier;  // {"file", "dataset", "test_accuracy"} when a feature metric uses one, else null
};

/// Refuses (UserError) an empty list, an unknown or repeated name, or a
/// metric the config's dataset cannot give (before anything is loaded).
void checkMetrics(const std::vector<std::string>& names, const Config& config, const std::string& origin);

/// Builds the named metrics for the config's dataset, loading each split
/// and the classifier once and running the classifier over the real test
/// set once. Throws UserError for an unknown name, a metric that does not
/// fit the dataset, or a missing or mismatched classifier.
EvaluatorSetup buildEvaluator(const std::vector<std::string>& names, const Config& config,
                              const EvaluatorOptions& options);

/// The dataset's classifier (options.classifier, else its default place) as
/// a feature extractor; UserError naming the file when it is missing or of
/// another dataset.
std::shared_ptr<const eval::FeatureExtractor> classifierOf(const std::string& dataset, const EvaluatorOptions& options,
                                                           torch::Device device);

/// Samples of another source in gantry's layout, for the dataset of the
/// config: images as [N, C, H, W] float32 in [0, 1], accepting [N, C*H*W],
/// [N, H, W] and [N, H, W, C], and bytes 0..255. Refuses (UserError naming
/// the file) anything else with the shape or range it found, and NaN.
torch::Tensor samplesOfFile(const std::filesystem::path& path, const Config& config, const std::string& dataset);

/// One short line of a metric's main figures, e.g. "fd 12.3", for the
/// terminal.
std::string metricSummary(const std::string& name, const nlohmann::json& result);

/// One indented line of a sweep's setting (an entry of "settings",
/// eval::summaryBySetting) with the means of its metrics under `meanKey`:
/// "  lr_d 0.0001, lr_g 0.0002 (2 members): modes 7.5 ..."
std::string settingSummary(const nlohmann::json& setting, const std::string& meanKey);

}  // namespace gantry::app
