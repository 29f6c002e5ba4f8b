#include "gantry/app/EvalSetup.h"

#include "gantry/app/RunSetup.h"
#include "gantry/core/Error.h"
#include "gantry/core/Finite.h"
#include "gantry/eval/MetricRegistry.h"
#include "gantry/io/Npy.h"
#include "gantry/train/ClassifierCheckpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <c10/util/accumulate.h>

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

std::string settingSummary(const nlohmann::json& setting, const std::string& meanKey) {
  std::vector<std::string> keys, parts;
  for (const auto& [key, value] : setting["setting"].items()) keys.push_back(fmt::format("{} {}", key, value.dump()));
  for (const auto& [name, result] : setting[meanKey].items()) parts.push_back(metricSummary(name, result));
  return fmt::format("  {} ({} members): {}\n", fmt::join(keys, ", "), setting["members"].get<int64_t>(),
                     fmt::join(parts, ", "));
}

torch::Tensor samplesOfFile(const std::filesystem::path& path, const Config& config, const std::string& dataset) {
  auto samples = io::readNpy(path);
  auto expected = sampleShape(config);
  const bool images = expected.size() == 3;
  auto shapeError = [&] {
    return UserError(fmt::format("{} holds an array of shape ({}); samples of dataset {} have shape (N, {}){}",
                                 path.string(), fmt::join(samples.sizes(), ", "), dataset, fmt::join(expected, ", "),
                                 images ? " (or (N, H, W), (N, H, W, C), (N, C*H*W))" : ""));
  };
  if (samples.dim() < 2 || samples.size(0) < 1) throw shapeError();
  auto rowShape = samples.sizes().slice(1).vec();
  if (rowShape != expected) {
    if (!images || c10::multiply_integers(rowShape) != c10::multiply_integers(expected)) throw shapeError();
    const int64_t c = expected[0], h = expected[1], w = expected[2];
    if (rowShape == std::vector<int64_t>{h, w, c} && c > 1)
      samples = samples.permute({0, 3, 1, 2});  // channels last → first
    else if (rowShape != std::vector<int64_t>{h, w} && rowShape != std::vector<int64_t>{h, w, c} &&
             rowShape != std::vector<int64_t>{c * h * w})
      throw shapeError();
    samples = samples.reshape({samples.size(0), c, h, w});
  }
  if (images && samples.scalar_type() == torch::kUInt8) return samples.to(torch::kFloat32).div_(255.0);
  if (firstNonFinite({samples}) >= 0)
    throw UserError(
        fmt::format("{} holds NaN or infinite values: samples of a diverged generator? Every metric "
                    "would be meaningless; sample a finite run",
                    path.string()));
  samples = float32Of(samples, path).contiguous();
  if (images) {
    const double lo = samples.min().item<double>(), hi = samples.max().item<double>();
    if (!(lo >= 0.0 && hi <= 1.0))
      throw UserError(
          fmt::format("{} has pixel values from {:.4g} to {:.4g}; gantry expects [0, 1] (from [-1, 1] use "
                      "(x + 1) / 2, from 0..255 use x / 255 or save as uint8)",
                      path.string(), lo, hi));
  }
  return samples;
}

std::shared_ptr<const eval::FeatureExtractor> classifierOf(const std::string& dataset, const EvaluatorOptions& options,
                                                           torch::Device device) {
  return std::make_shared<eval::FeatureExtractor>(loadClassifierFor(dataset, options).model, device);
}

}  // namespace gantry::app
