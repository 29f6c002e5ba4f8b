#include "gantry/app/EvalSetup.h"

#include "gantry/app/RunSetup.h"
#include "gantry/core/Error.h"
#include "gantry/eval/MetricRegistry.h"
#include "gantry/train/ClassifierCheckpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <optional>
#include <sstream>

namespace gantry::app {

namespace {

train::LoadedClassifier loadClassifierFor(const std::string& dataset, const EvaluatorOptions& options) {
  const bool chosen = !options.classifier.empty();
  const auto path = chosen ? options.classifier : defaultClassifierPath(dataset);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    if (chosen)
      throw UserError(
          fmt::format("classifier {} not found; check --classifier, or train one with: gantry classifier "
                      "train --dataset {} --out {}",
                      path.string(), dataset, path.string()));
    throw UserError(
        fmt::format("no {} classifier at {}; train it with: gantry classifier train --dataset {} (or give "
                    "--classifier FILE)",
                    dataset, path.string(), dataset));
  }
  auto loaded = train::readClassifier(path);
  if (loaded.info.dataset != dataset)
    throw UserError(
        fmt::format("classifier {} was trained on {}, not {}; train one with: gantry classifier train "
                    "--dataset {}",
                    path.string(), loaded.info.dataset, dataset, dataset));
  return loaded;
}

/// The metrics' view of the config's dataset: each split and the
/// classifier's features of the test set loaded once, on first use.
class DatasetContext : public eval::MetricContext {
 public:
  DatasetContext(const Config& config, const EvaluatorOptions& options)
      : settings_(data::dataSection().read(config)),
        entry_(data::datasetOf(settings_)),
        options_(options),
        device_(deviceOf(readSettings(config))) {}

  const data::DatasetEntry& dataset() const override { return entry_; }
  std::shared_ptr<const data::GaussianMixture> distribution() const override {
    return data::toyDistribution(settings_);
  }
  const data::TensorDataset& testSet() override { return split(test_, data::Split::Test); }
  const data::TensorDataset& validationSet() override { return split(validation_, data::Split::Validation); }
  const data::TensorDataset& trainingSet() override { return split(training_, data::Split::Train); }
  std::shared_ptr<const eval::FeatureExtractor> extractor() override {
    if (!extractor_) {
      auto loaded = loadClassifierFor(entry_.name, options_);
      classifier_ = {
          {"file", (options_.classifier.empty() ? defaultClassifierPath(entry_.name) : options_.classifier).string()},
          {"dataset", loaded.info.dataset},
          {"test_accuracy", loaded.info.testAccuracy}};
      extractor_ = std::make_shared<eval::FeatureExtractor>(loaded.model, device_);
    }
    return extractor_;
  }
  const eval::ImageFeatures& referenceFeatures() override {
    if (!reference_) reference_ = extractor()->extract(testSet().samples());
    return *reference_;
  }
  uint64_t seed() const override { return options_.seed; }
  const nlohmann::json& classifier() const { return classifier_; }

 private:
  const data::TensorDataset& split(std::optional<data::TensorDataset>& slot, data::Split which) {
    if (!slot) slot = data::readSplit(settings_, which);
    return *slot;
  }

  data::DataSettings settings_;
  const data::DatasetEntry& entry_;
  EvaluatorOptions options_;
  torch::Device device_;
  std::optional<data::TensorDataset> test_, validation_, training_;
  std::shared_ptr<const eval::FeatureExtractor> extractor_;
  std::optional<eval::ImageFeatures> reference_;
  nlohmann::json classifier_;
};

}  // namespace

const std::vector<std::string>& metricNames() {
  static const std::vector<std::string> names = eval::metrics().names();
  return names;
}

std::vector<std::string> parseMetricList(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

int64_t protocolSampleCount(const std::string& metric) {
  return eval::metrics().require(metric, "--metrics").protocolSamples;
}

std::vector<std::string> defaultTrainingMetrics(const Config& config) {
  const auto& dataset = data::datasetOf(data::dataSection().read(config));
  std::vector<std::string> names;
  for (const auto& metric : eval::metrics().entries())
    if (metric.trainingDefault(dataset) && eval::metricMismatch(metric, dataset).empty()) names.push_back(metric.name);
  return names;
}

std::filesystem::path defaultClassifierPath(const std::string& dataset) {
  return defaultDataRoot() / "classifiers" / (dataset + ".pt");
}

void checkMetrics(const std::vector<std::string>& names, const Config& config, const std::string& origin) {
  if (names.empty())
    throw UserError(fmt::format("{} names no metric; choose from {}", origin, fmt::join(metricNames(), ", ")));
  const auto& dataset = data::datasetOf(data::dataSection().read(config));
  for (auto it = names.begin(); it != names.end(); ++it) {
    const auto* metric = eval::metrics().find(*it);
    if (!metric)
      throw UserError(
          fmt::format("unknown metric '{}' in {}; choose from {}", *it, origin, fmt::join(metricNames(), ", ")));
    if (auto why = eval::metricMismatch(*metric, dataset); !why.empty()) throw UserError(why);
    if (std::find(names.begin(), it, *it) != it)
      throw UserError(fmt::format("metric '{}' is listed twice in {}", *it, origin));
  }
}

EvaluatorSetup buildEvaluator(const std::vector<std::string>& names, const Config& config,
                              const EvaluatorOptions& options) {
  checkMetrics(names, config, options.origin);
  DatasetContext context(config, options);
  EvaluatorSetup setup;
  setup.evaluator = std::make_shared<eval::Evaluator>();
  for (const auto& name : names) setup.evaluator->add(eval::metrics().require(name, options.origin).make(context));
  setup.classifier = context.classifier();
  return setup;
}

std::string metricSummary(const std::string& name, const nlohmann::json& result) {
  const auto* metric = eval::metrics().find(name);
  return metric ? metric->summarize(result) : name;
}

}  // namespace gantry::app
