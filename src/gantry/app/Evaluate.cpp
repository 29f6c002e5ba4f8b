#include "gantry/app/Commands.h"
#include "gantry/app/EvalSetup.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/core/Finite.h"
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

/// Samples of another source in gantry's layout: images as [N, C, H, W]
/// float32 in [0, 1], accepting [N, C*H*W], [N, H, W] and [N, H, W, C], and
/// bytes 0..255. Refuses anything else with the shape or range it found.
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
  samples = samples.to(torch::kFloat32).contiguous();
  if (firstNonFinite({samples}) >= 0)
    throw UserError(
        fmt::format("{} holds NaN or infinite values: samples of a diverged generator? Every metric "
                    "would be meaningless; sample a finite run",
                    path.string()));
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

}  // namespace

int evaluate(const EvalRequest& request) {
  if (request.run.empty() == request.samples.empty())
    throw UserError("gantry eval needs either --run RUN_DIR or --samples FILE.npy (with --dataset NAME)");
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.metrics.empty()) throw UserError("--metrics needs at least one metric name");
  if (request.count && *request.count < 1) throw UserError("-n must be at least 1");

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
    if (request.label) throw UserError("--label draws from a conditional run; give --run, not --samples");
    config.setText("dataset", request.dataset, "--dataset");
    report["source"] = {{"samples", request.samples.string()}};
  }
  // Evaluation is not training: every core for the classifier and the
  // matrix products, unless the run fixed `threads`.
  const int64_t threads = config.getInt("threads");
  torch::set_num_threads(threads > 0 ? static_cast<int>(threads) : availableCores());

  // Cheap checks first: names, the sample file; then the data and the classifier.
  checkMetrics(request.metrics, config, "--metrics");
  torch::Tensor samples;
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
    torch::Tensor labels;
    if (request.label) {
      const int64_t classes = generator->classes();
      if (classes == 0) throw UserError("--label needs a conditional run (conditional = none in this run)");
      if (*request.label < 0 || *request.label >= classes)
        throw UserError(fmt::format("--label must be a class in 0..{}, got {}", classes - 1, *request.label));
      labels = torch::full({n}, *request.label, torch::kLong);
      report["source"]["label"] = *request.label;
    }
    samples = drawSamples(*generator, config, n, static_cast<uint64_t>(request.seed), labels);
  }
  setup.evaluator->update(samples);
  report["dataset"] = config.getString("dataset");
  report["count"] = samples.size(0);
  if (!setup.classifier.is_null()) report["classifier"] = setup.classifier;
  report["metrics"] = setup.evaluator->compute();

  if (auto* memorization = dynamic_cast<eval::MemorizationMetric*>(setup.evaluator->find("memorization"))) {
    auto grid = request.out;
    grid.replace_extension(".memorization.png");
    io::writePng(grid, io::makeGrid(memorization->closestPairsImages(), 8));
    report["metrics"]["memorization"]["grid"] = grid.filename().string();
  }
  writeFileAtomic(request.out, report.dump(2) + "\n");
  if (!request.quiet) {
    for (const auto& name : request.metrics) std::cout << metricSummary(name, report["metrics"][name]) << "\n";
    std::cout << fmt::format("{} samples; written {}\n", samples.size(0), request.out.string());
  }
  return 0;
}

}  // namespace gantry::app
