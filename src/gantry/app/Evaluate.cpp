#include "gantry/app/Commands.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/eval/MixtureMetrics.h"
#include "gantry/io/Npy.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace gantry::app {

namespace {

const std::vector<std::string>& metricNames() {
  static const std::vector<std::string> names = {"modes"};
  return names;
}

/// Samples each metric's protocol asks for when -n is not given.
int64_t protocolCount(const std::string& metric) { return metric == "modes" ? 2500 : 10000; }

std::unique_ptr<eval::Metric> makeMetric(const std::string& name, const Config& config) {
  if (name == "modes") {
    auto mixture = toyDistribution(config);
    if (!mixture)
      throw UserError(fmt::format("metric 'modes' needs a toy dataset (ring8, grid25, gaussian1d), not '{}'",
                                  config.getString("dataset")));
    return std::make_unique<eval::MixtureCoverageMetric>(std::move(mixture));
  }
  throw UserError(
      fmt::format("unknown metric '{}' in --metrics; choose from {}", name, fmt::join(metricNames(), ", ")));
}

}  // namespace

int evaluate(const EvalRequest& request) {
  if (request.run.empty() == request.samples.empty())
    throw UserError("gantry eval needs either --run RUN_DIR or --samples FILE.npy (with --dataset NAME)");
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.metrics.empty()) throw UserError("--metrics needs at least one metric name");

  Config config(trainingSchema());
  std::shared_ptr<models::Generator> generator;
  nlohmann::json report;
  if (!request.run.empty()) {
    auto trained = loadTrainedGenerator(RunFolder{request.run});
    config = trained.config;
    generator = trained.generator;
    report["source"] = {{"run", request.run.string()}, {"seed", request.seed}};
  } else {
    if (request.dataset.empty()) throw UserError("--samples needs --dataset NAME: the data the samples imitate");
    config.setText("dataset", request.dataset, "--dataset");
    report["source"] = {{"samples", request.samples.string()}};
  }

  std::vector<std::unique_ptr<eval::Metric>> metrics;
  int64_t count = 0;
  for (const auto& name : request.metrics) {
    metrics.push_back(makeMetric(name, config));
    count = std::max(count, request.count.value_or(protocolCount(name)));
  }
  torch::Tensor samples;
  if (generator) {
    if (count < 1) throw UserError("-n must be at least 1");
    samples = drawSamples(*generator, config, count, static_cast<uint64_t>(request.seed));
  } else {
    samples = io::readNpy(request.samples);
    auto expected = sampleShape(config);
    if (samples.dim() < 1 || samples.sizes().slice(1).vec() != expected)
      throw UserError(fmt::format("{} holds an array of shape ({}); samples of dataset {} have shape (N, {})",
                                  request.samples.string(), fmt::join(samples.sizes(), ", "), request.dataset,
                                  fmt::join(expected, ", ")));
  }
  report["count"] = samples.size(0);
  for (auto& metric : metrics) {
    metric->update(samples);
    report["metrics"][metric->name()] = metric->compute();
  }
  if (request.out.has_parent_path()) std::filesystem::create_directories(request.out.parent_path());
  writeFileAtomic(request.out, report.dump(2) + "\n");
  return 0;
}

}  // namespace gantry::app
