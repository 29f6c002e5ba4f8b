#include "gantry/app/Commands.h"
#include "gantry/app/EvalSetup.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/core/Finite.h"
#include "gantry/data/Datasets.h"
#include "gantry/eval/EvalCallback.h"
#include "gantry/eval/Memorization.h"
#include "gantry/io/Npy.h"
#include "gantry/io/Png.h"

#include <c10/util/accumulate.h>
#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace gantry::app {

namespace {

/// What every report says of the evaluation: the data, the sample count and
/// the classifier.
void describeEvaluation(nlohmann::json& report, const Config& config, int64_t count, const EvaluatorSetup& setup) {
  report["dataset"] = config.getString("dataset");
  report["count"] = count;
  if (!setup.classifier.is_null()) report["classifier"] = setup.classifier;
}

/// Writes the report, then prints each metric's line of its "metrics".
void writeReport(const EvalRequest& request, const nlohmann::json& report) {
  writeFileAtomic(request.out, report.dump(2) + "\n");
  if (request.quiet) return;
  for (const auto& name : request.metrics) std::cout << metricSummary(name, report["metrics"][name]) << "\n";
}

/// Each member of a population's run from the same codes, then the members'
/// means and standard errors: {"members": [each member's metrics],
/// "metrics": means, "metrics_se": standard errors}; a sweep's, or one
/// whose members rolled back apart, also "member_settings" (each member's)
/// and "settings" (the means per setting).
int evaluateMembers(const EvalRequest& request, const Config& config, const models::Generator& population,
                    EvaluatorSetup& setup, int64_t count, const torch::Tensor& labels, nlohmann::json report) {
  std::vector<nlohmann::json> results;
  for (int64_t n = 0; n < population.members(); ++n) {
    auto member = population.member(n);
    member->eval();
    auto drawn = drawLabelledSamples(*member, config, count, static_cast<uint64_t>(request.seed), labels);
    setup.evaluator->reset();
    setup.evaluator->update(drawn.samples, drawn.labels);
    results.push_back(setup.evaluator->compute());
  }
  const auto summary = eval::populationSummary(results);
  const auto settings = memberSettings(readSettings(config));
  describeEvaluation(report, config, count, setup);
  report["members"] = results;
  report["metrics"] = summary.mean;
  report["metrics_se"] = summary.standardError;
  if (!settings.empty()) {
    report["member_settings"] = settings;
    report["settings"] = eval::summaryBySetting(results, settings, "metrics", "metrics_se");
  }
  writeReport(request, report);
  if (!request.quiet) {
    for (const auto& setting : report.value("settings", nlohmann::json::array()))
      std::cout << settingSummary(setting, "metrics");
    std::cout << fmt::format(
        "means of {} members, {} samples each (each member's figures and the standard errors "
        "in {})\n",
        population.members(), count, request.out.string());
  }
  return 0;
}

}  // namespace

int evaluate(const EvalRequest& request) {
  if (request.run.empty() == request.samples.empty())
    throw UserError("gantry eval needs either --run RUN_DIR or --samples FILE.npy (with --dataset NAME)");
  if (!request.run.empty() && !request.dataset.empty())
    throw UserError("--dataset goes with --samples; a run's samples imitate its own config's dataset: drop --dataset");
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.metrics.empty()) throw UserError("--metrics needs at least one metric name");
  if (request.count && *request.count < 1) throw UserError("-n must be at least 1");

  Config config(trainingSchema());
  std::shared_ptr<models::Generator> generator;
  nlohmann::json report;
  if (!request.run.empty()) {
    // A population's run: the member asked for, or every member.
    auto trained = request.member ? loadTrainedGenerator(RunFolder{request.run}, request.ema, request.member)
                                  : loadTrainedPopulation(RunFolder{request.run}, request.ema);
    config = trained.config;
    generator = trained.generator;
    report["source"] = {{"run", request.run.string()}, {"seed", request.seed}, {"ema", request.ema}};
    if (request.member) report["source"]["member"] = *request.member;
  } else {
    if (request.member) throw UserError("--member picks one GAN of a population's run; give --run, not --samples");
    if (request.dataset.empty()) throw UserError("--samples needs --dataset NAME: the data the samples imitate");
    if (request.label) throw UserError("--label draws from a conditional run; give --run, not --samples");
    if (request.ema) throw UserError("--ema draws from a run's averaged generator; give --run, not --samples");
    config.setText("dataset", request.dataset, "--dataset");
    // --samples has no data_dir to give.
    if (data::datasets().require(request.dataset, "--dataset").needsDataDir())
      throw UserError(
          fmt::format("--dataset {} has no folder of its own (a run's data_dir); evaluate samples of it "
                      "through the run that trained on it, with --run",
                      request.dataset));
    report["source"] = {{"samples", request.samples.string()}};
  }
  // Evaluation is not training: every core for the classifier and the
  // matrix products, unless the run fixed `threads`.
  const int64_t threads = config.getInt("threads");
  torch::set_num_threads(threads > 0 ? static_cast<int>(threads) : availableCores());

  // Cheap checks first: names, the sample file; then the data and the classifier.
  checkMetrics(request.metrics, config, "--metrics");
  torch::Tensor samples, labels;  // labels: the classes a conditional run's samples were drawn for
  if (!generator) {
    samples = samplesOfFile(request.samples, config, request.dataset);
    if (request.count) {
      if (*request.count > samples.size(0))
        throw UserError(fmt::format("-n {} but {} holds only {} samples", *request.count, request.samples.string(),
                                    samples.size(0)));
      samples = samples.slice(0, 0, *request.count);
    }
  }
  EvaluatorOptions options;
  options.classifier = request.classifier;
  options.seed = static_cast<uint64_t>(request.seed);
  auto setup = buildEvaluator(request.metrics, config, options);
  createParentFolder(request.out);
  if (generator) {
    int64_t count = 0;
    for (const auto& name : request.metrics) count = std::max(count, protocolSampleCount(name));
    const int64_t n = request.count.value_or(count);
    if (request.label) {
      const int64_t classes = generator->classes();
      if (classes == 0) throw UserError("--label needs a conditional run (conditional = none in this run)");
      if (*request.label < 0 || *request.label >= classes)
        throw UserError(fmt::format("--label must be a class in 0..{}, got {}", classes - 1, *request.label));
      labels = torch::full({n}, *request.label, torch::kLong);
      report["source"]["label"] = *request.label;
    }
    if (const int64_t members = generator->members(); members > 1)
      return evaluateMembers(request, config, *generator, setup, n, labels, std::move(report));
    auto drawn = drawLabelledSamples(*generator, config, n, static_cast<uint64_t>(request.seed), labels);
    samples = drawn.samples;
    labels = drawn.labels;
  }
  setup.evaluator->update(samples, labels);
  describeEvaluation(report, config, samples.size(0), setup);
  report["metrics"] = setup.evaluator->compute();

  if (auto* memorization = dynamic_cast<eval::MemorizationMetric*>(setup.evaluator->find("memorization"))) {
    auto grid = request.out;
    grid.replace_extension(".memorization.png");
    io::writePng(grid, io::makeGrid(memorization->closestPairsImages(), 8));
    report["metrics"]["memorization"]["grid"] = grid.filename().string();
  }
  writeReport(request, report);
  if (!request.quiet) std::cout << fmt::format("{} samples; written {}\n", samples.size(0), request.out.string());
  return 0;
}

}  // namespace gantry::app
