#include "gantry/app/EvalSetup.h"

#include "gantry/app/RunSetup.h"
#include "gantry/core/Error.h"
#include "gantry/data/Mnist.h"
#include "gantry/eval/ClassHistogram.h"
#include "gantry/eval/ClassifierScore.h"
#include "gantry/eval/FrechetDistance.h"
#include "gantry/eval/KernelInceptionDistance.h"
#include "gantry/eval/Memorization.h"
#include "gantry/eval/MixtureMetrics.h"
#include "gantry/eval/ParzenWindow.h"
#include "gantry/eval/PrecisionRecall.h"
#include "gantry/train/ClassifierCheckpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <optional>
#include <sstream>

namespace gantry::app {

namespace {

bool isFeatureMetric(const std::string& name) {
  return name == "fd" || name == "kid" || name == "prdc" || name == "classifier-score" || name == "classes";
}

bool hasClassifierData(const std::string& dataset) { return dataset == "mnist" || dataset == "fashion"; }

/// Refuses a metric the dataset cannot give it.
void checkMetricFits(const std::string& name, const Config& config, const std::string& origin) {
  const auto& dataset = config.getString("dataset");
  if (name == "modes") {
    if (!toyDistribution(config))
      throw UserError(fmt::format("metric 'modes' needs a toy dataset (ring8, grid25, gaussian1d), not '{}'", dataset));
  } else if (name == "memorization") {
    if (toyDistribution(config))
      throw UserError(fmt::format(
          "metric 'memorization' needs an image dataset (mnist, fashion, images), not '{}'; use modes", dataset));
  } else if (name == "parzen") {
    if (!hasClassifierData(dataset))
      throw UserError(
          fmt::format("metric 'parzen' needs mnist or fashion (their validation and test splits), not '{}'{}", dataset,
                      toyDistribution(config) ? "; use modes" : ""));
  } else if (isFeatureMetric(name)) {
    if (!hasClassifierData(dataset))
      throw UserError(fmt::format("metric '{}' needs mnist or fashion (a classifier of their classes), not '{}'{}",
                                  name, dataset, toyDistribution(config) ? "; use modes" : ""));
  } else {
    throw UserError(
        fmt::format("unknown metric '{}' in {}; choose from {}", name, origin, fmt::join(metricNames(), ", ")));
  }
}

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

}  // namespace

const std::vector<std::string>& metricNames() {
  static const std::vector<std::string> names = {"parzen",           "modes",   "fd",          "kid", "prdc",
                                                 "classifier-score", "classes", "memorization"};
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

int64_t protocolSampleCount(const std::string& metric) { return metric == "modes" ? 2500 : 10000; }

std::vector<std::string> defaultTrainingMetrics(const Config& config) {
  const auto& dataset = config.getString("dataset");
  if (toyDistribution(config)) return {"modes"};
  if (hasClassifierData(dataset)) return {"fd", "kid", "prdc", "classifier-score", "classes"};
  return {"memorization"};
}

std::filesystem::path defaultClassifierPath(const std::string& dataset) {
  return defaultDataRoot() / "classifiers" / (dataset + ".pt");
}

void checkMetrics(const std::vector<std::string>& names, const Config& config, const std::string& origin) {
  if (names.empty())
    throw UserError(fmt::format("{} names no metric; choose from {}", origin, fmt::join(metricNames(), ", ")));
  for (auto it = names.begin(); it != names.end(); ++it) {
    checkMetricFits(*it, config, origin);
    if (std::find(names.begin(), it, *it) != it)
      throw UserError(fmt::format("metric '{}' is listed twice in {}", *it, origin));
  }
}

EvaluatorSetup buildEvaluator(const std::vector<std::string>& names, const Config& config,
                              const EvaluatorOptions& options) {
  checkMetrics(names, config, options.origin);
  const auto& dataset = config.getString("dataset");
  const auto device = deviceFrom(config);

  // Each split and the classifier's view of the test set, loaded on first use.
  std::optional<data::TensorDataset> test, validation;
  auto testSet = [&]() -> const data::TensorDataset& {
    if (!test) test = data::loadMnistFormat(dataDirectory(config), data::Split::Test);
    return *test;
  };
  std::shared_ptr<const eval::FeatureExtractor> extractor;
  std::optional<eval::ImageFeatures> reference;
  EvaluatorSetup setup;
  auto referenceFeatures = [&]() -> const eval::ImageFeatures& {
    if (!extractor) {
      auto loaded = loadClassifierFor(dataset, options);
      setup.classifier = {
          {"file", (options.classifier.empty() ? defaultClassifierPath(dataset) : options.classifier).string()},
          {"dataset", loaded.info.dataset},
          {"test_accuracy", loaded.info.testAccuracy}};
      extractor = std::make_shared<eval::FeatureExtractor>(loaded.model, device);
      reference = extractor->extract(testSet().samples());
    }
    return *reference;
  };

  setup.evaluator = std::make_shared<eval::Evaluator>();
  for (const auto& name : names) {
    std::unique_ptr<eval::Metric> metric;
    if (name == "modes") {
      metric = std::make_unique<eval::MixtureCoverageMetric>(toyDistribution(config));
    } else if (name == "parzen") {
      if (!validation) validation = data::loadMnistFormat(dataDirectory(config), data::Split::Validation);
      // The 2014 script: the first 1,000 validation images choose σ.
      metric = std::make_unique<eval::ParzenMetric>(validation->samples().slice(0, 0, 1000), testSet().samples());
    } else if (name == "memorization") {
      metric = std::make_unique<eval::MemorizationMetric>(loadTrainingSet(config)->samples(), 1000, options.seed);
    } else {
      // A feature metric: the extractor exists once the reference features do.
      const auto& real = referenceFeatures();
      if (name == "fd") {
        metric = std::make_unique<eval::FrechetDistanceMetric>(extractor, real.features);
      } else if (name == "kid") {
        metric =
            std::make_unique<eval::KernelInceptionDistanceMetric>(extractor, real.features, 100, 1000, options.seed);
      } else if (name == "prdc") {
        metric = std::make_unique<eval::PrecisionRecallMetric>(extractor, real.features, 5);
      } else if (name == "classifier-score") {
        metric = std::make_unique<eval::ClassifierScoreMetric>(extractor, 10);
      } else {  // classes
        auto counts = torch::bincount(testSet().labels(), {}, extractor->classes()).to(torch::kFloat64);
        metric = std::make_unique<eval::ClassHistogramMetric>(extractor, counts / counts.sum(), 0.1);
      }
    }
    setup.evaluator->add(std::move(metric));
  }
  return setup;
}

std::string metricSummary(const std::string& name, const nlohmann::json& r) {
  auto number = [&](const char* key) { return r.at(key).get<double>(); };
  if (name == "modes")
    return fmt::format("modes {}/{} ({:.1f}% high quality)", r.at("modes_captured").get<int64_t>(),
                       r.at("modes_total").get<int64_t>(), 100 * number("high_quality_fraction"));
  if (name == "parzen")
    return fmt::format("parzen {:.2f} ± {:.2f} (σ {:.3f})", number("log_likelihood"), number("standard_error"),
                       number("sigma"));
  if (name == "fd") return fmt::format("fd {:.4g}", number("fd"));
  if (name == "kid") return fmt::format("kid {:.4g} ± {:.2g}", number("kid_mean"), number("kid_std"));
  if (name == "prdc")
    return fmt::format("precision {:.3f} recall {:.3f} density {:.3f} coverage {:.3f}", number("precision"),
                       number("recall"), number("density"), number("coverage"));
  if (name == "classifier-score")
    return fmt::format("classifier-score {:.3f} ± {:.3f}", number("score_mean"), number("score_std"));
  if (name == "classes")
    return fmt::format("classes {}/{} (KL {:.3f})", r.at("classes_covered").get<int64_t>(),
                       r.at("classes_total").get<int64_t>(), number("kl_from_real"));
  if (name == "memorization")
    return fmt::format("memorization: median NN distance {:.3f} ({:.2f}× the training set's)",
                       r.at("nearest_distance").at("median").get<double>(), number("median_ratio"));
  return name;
}

}  // namespace gantry::app
