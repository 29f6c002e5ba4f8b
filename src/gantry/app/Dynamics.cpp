// gantry jacobian: the spectrum of a run's game at a checkpoint.
#include "gantry/app/Dynamics.h"
#include "gantry/app/Commands.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/core/Finite.h"
#include "gantry/eval/dynamics/JointField.h"
#include "gantry/eval/dynamics/Spectrum.h"
#include "gantry/io/Chart.h"
#include "gantry/objectives/Game.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

namespace gantry::app {

using eval::JointField;
using train::Side;

void prepareForDynamics(train::Trainer& trainer) {
  auto& arena = trainer.arena();
  arena.settle();
  // Second derivatives, in float64 (the spectra of small games to 1e-10),
  // on every core.
  models::Execution execution;
  execution.twiceDifferentiable = true;
  arena.generator().setExecution(execution);
  arena.discriminator().setExecution(execution);
  arena.generator().to(torch::kFloat64);
  arena.discriminator().to(torch::kFloat64);
  torch::set_num_threads(availableCores());
  setBlasThreads(availableCores());
}

TrainedGame loadTrainedGame(const std::filesystem::path& checkpointPath,
                            const std::vector<std::string>& gameAssignments) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(checkpointPath, ec))
    throw UserError(
        fmt::format("checkpoint {} does not exist; give a run folder with --run (its checkpoint.pt) "
                    "or an existing --checkpoint",
                    checkpointPath.string()));
  train::CheckpointReader reader(checkpointPath);
  TrainedGame game{Config(trainingSchema()), nullptr};
  // The checkpoint's own config: the one its weights were trained under.
  game.config.mergeTomlString(reader.config(), checkpointPath.string());
  requireOneGan(game.config, checkpointPath.string(), "the dynamics tools");
  for (const auto& assignment : gameAssignments) {
    const auto key = assignment.substr(0, assignment.find('='));
    const auto& keys = objectives::gameSection().keys();
    if (std::none_of(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.name == key; })) {
      std::vector<std::string> names;
      for (const auto& k : keys) names.push_back(k.name);
      throw UserError(fmt::format("--set {}: only the game's keys can change at a checkpoint ({})", assignment,
                                  fmt::join(names, ", ")));
    }
    game.config.setAssignment(assignment, "--set");
  }
  // Products in float64 below: no bfloat16 autocast around them.
  game.config.setText("precision", "float32", "the dynamics tools");
  game.trainer = buildTrainer(game.config);
  reader.restore(*game.trainer);
  for (auto side : {Side::Generator, Side::Discriminator})
    if (firstNonFinite(game.trainer->arena().player(side).parameters()) >= 0)
      throw UserError(
          fmt::format("checkpoint {} holds NaN or infinite weights (a diverged run): its game has no "
                      "Jacobian to speak of",
                      checkpointPath.string()));
  prepareForDynamics(*game.trainer);
  return game;
}

io::ChartArrows diracFieldArrows(train::Trainer& trainer, double extent) {
  eval::JointField field(trainer.arena(), 1024, 0);
  io::ChartArrows arrows;
  const int cells = 17;
  for (int i = 0; i < cells; ++i) arrows.xs.push_back(-extent + 2 * extent * i / (cells - 1));
  arrows.ys = arrows.xs;
  for (double theta : arrows.xs)
    for (double psi : arrows.ys) {
      field.setPoint(torch::tensor({theta, psi}, torch::kFloat64));
      auto v = field.evaluate(/*forProducts=*/false);
      arrows.u.push_back(v[0].item<double>());
      arrows.v.push_back(v[1].item<double>());
    }
  return arrows;
}

std::filesystem::path checkpointOf(const std::filesystem::path& run, const std::filesystem::path& checkpoint) {
  // Both given, one would be ignored silently: the run's config is not the
  // checkpoint's when the file comes from another run.
  if (!run.empty() && !checkpoint.empty())
    throw UserError("give a run folder with --run or a checkpoint file with --checkpoint, not both");
  if (!checkpoint.empty()) return checkpoint;
  if (run.empty()) throw UserError("give a run folder with --run, or a checkpoint file with --checkpoint");
  readRunConfig(RunFolder{run});  // names a folder that holds no run
  return RunFolder{run}.checkpoint();
}

namespace {

nlohmann::json complexList(const std::vector<std::complex<double>>& values) {
  auto list = nlohmann::json::array();
  for (const auto& v : values) list.push_back({{"re", v.real()}, {"im", v.imag()}});
  return list;
}

/// The spectrum's shape: its least stable real part and how rotational it
/// is (Berard et al. 2020: large imaginary against small real parts).
nlohmann::json summaryOf(const std::vector<std::complex<double>>& values) {
  double maxReal = -std::numeric_limits<double>::infinity(), maxImag = 0, ratio = 0, angle = 0;
  double largest = 0;
  for (const auto& v : values) largest = std::max(largest, std::abs(v));
  for (const auto& v : values) {
    maxReal = std::max(maxReal, v.real());
    maxImag = std::max(maxImag, std::abs(v.imag()));
    if (std::abs(v) <= 1e-12 * largest) continue;  // a zero eigenvalue has no direction
    ratio = std::max(ratio, std::abs(v.imag()) / std::abs(v.real()));
    angle = std::max(angle, std::atan2(std::abs(v.imag()), std::abs(v.real())) * 180.0 / M_PI);
  }
  nlohmann::json summary;
  summary["max_real"] = maxReal;
  summary["max_abs_imag"] = maxImag;
  // null when some eigenvalue is purely imaginary (JSON has no infinity).
  summary["imag_over_real_max"] = std::isfinite(ratio) ? nlohmann::json(ratio) : nlohmann::json();
  summary["rotation_degrees_max"] = angle;
  summary["all_real_negative"] = maxReal < 0;
  return summary;
}

/// Both ends of a symmetric spectrum: ⌈k/2⌉ largest, ⌊k/2⌋ smallest, descending
/// (as Spectra's BothEnds), all of it when k covers it.
std::vector<double> bothEnds(const std::vector<double>& descending, int64_t k) {
  const auto n = static_cast<int64_t>(descending.size());
  if (k >= n) return descending;
  std::vector<double> ends(descending.begin(), descending.begin() + (k + 1) / 2);
  ends.insert(ends.end(), descending.end() - k / 2, descending.end());
  return ends;
}

nlohmann::json hessianSpectrum(JointField& field, Side side, bool dense, int64_t top, const eval::SolveLimits& limits) {
  const int64_t n = field.size(side);
  nlohmann::json out;
  if (dense || top + 1 >= n) {
    std::vector<double> matrix;
    for (int64_t i = 0; i < n; ++i) {
      auto e = torch::zeros({n}, field.point().options());
      e[i] = 1;
      auto column = eval::doubles(field.hessianProduct(side, e));
      matrix.insert(matrix.end(), column.begin(), column.end());
    }
    out["eigenvalues"] = bothEnds(eval::denseSymmetricEigenvalues(matrix, n), top);
    out["method"] = "dense";
    out["converged"] = true;
  } else {
    auto found = eval::lanczosEigenvalues(n, eval::hessianOperator(field, side), top, limits);
    std::vector<double> values;
    for (const auto& v : found.values) values.push_back(v.real());
    out["eigenvalues"] = values;
    out["method"] = "lanczos";
    out["converged"] = found.converged;
    out["restarts"] = found.restarts;
  }
  return out;
}

/// The eigenvalues in the complex plane, with the imaginary axis: left of
/// it attracting, right of it repelling.
void drawSpectrum(const std::filesystem::path& path, const std::vector<std::complex<double>>& values,
                  const std::string& title) {
  io::Chart chart;
  chart.title = title;
  chart.xLabel = "real part";
  chart.yLabel = "imaginary part";
  double reach = 1e-12;
  for (const auto& v : values) reach = std::max({reach, std::abs(v.real()), std::abs(v.imag())});
  chart.xMin = chart.yMin = -1.1 * reach;
  chart.xMax = chart.yMax = 1.1 * reach;
  chart.equalAspect = true;
  chart.width = chart.height = 640;
  chart.series.push_back({{0, 0}, {-1.1 * reach, 1.1 * reach}, "", {150, 150, 150}, true});
  io::ChartSeries points{{}, {}, "", io::palette(0), false, true};  // one series: the title says what
  for (const auto& v : values) {
    points.x.push_back(v.real());
    points.y.push_back(v.imag());
  }
  chart.series.push_back(points);
  io::writeChartPng(path, chart);
}

/// UserError naming --batch when the batch's float64 passes, kept for the
/// second derivatives, would not fit the machine's memory: at least twice
/// the floats a training step keeps per sample (float64), before any pass.
void requireBatchFits(train::Trainer& trainer, int64_t batch) {
  const double perSample =
      stepFloatsPerSample(trainer, c10::multiply_integers(trainer.generator().outputShape())) * sizeof(double);
  requireMemory(static_cast<double>(batch) * perSample,
                fmt::format("--batch {} needs, for float64 passes with their graph,", batch), "lower --batch");
}

/// Berard et al. 2020's path angle: along w(α) = w_A + α (w_B − w_A), the
/// norm of the joint gradient g = −v and its cosine with the line.
int pathAngle(const JacobianRequest& request, const std::filesystem::path& to) {
  if (request.from.empty()) throw UserError("--path-angle needs --from CHECKPOINT, the earlier point of the line");
  auto start = loadTrainedGame(request.from, request.assignments);
  auto end = loadTrainedGame(to, request.assignments);
  auto& arena = end.trainer->arena();
  requireBatchFits(*end.trainer, request.batch);
  JointField field(arena, request.batch, static_cast<uint64_t>(request.seed));
  JointField startField(start.trainer->arena(), 1, 0);
  if (startField.size() != field.size())
    throw UserError(fmt::format("--from {} has {} parameters, {} has {}: give two checkpoints of one run",
                                request.from.string(), startField.size(), to.string(), field.size()));
  const auto wA = startField.point().to(field.point().options());
  const auto wB = field.point();
  const auto direction = wB - wA;
  if (direction.norm().item<double>() == 0)
    throw UserError("--from and the checkpoint hold the same parameters: the path has no direction");
  nlohmann::json report;
  report["from"] = request.from.string();
  report["to"] = to.string();
  report["batch"] = request.batch;
  report["distance"] = direction.norm().item<double>();
  std::vector<double> alphas, norms, cosines;
  for (int i = 0; i < 100; ++i) {
    const double alpha = -0.1 + 1.2 * i / 99.0;
    field.setPoint(wA + alpha * direction);
    auto g = -field.evaluate(/*forProducts=*/false);
    const double norm = g.norm().item<double>();
    alphas.push_back(alpha);
    norms.push_back(norm);
    cosines.push_back(norm > 0 ? (g.dot(direction) / (norm * direction.norm())).item<double>() : 0.0);
  }
  report["alpha"] = alphas;
  report["gradient_norm"] = norms;
  report["cosine"] = cosines;
  writeFileAtomic(request.out, report.dump(2) + "\n");
  io::Chart chart;
  chart.title = "path angle: from the earlier checkpoint (0) to this one (1)";
  chart.xLabel = "alpha";
  chart.yLabel = "cosine(gradient, path); |gradient| / max";
  chart.xMin = -0.1;
  chart.xMax = 1.1;
  chart.yMin = -1.05;
  chart.yMax = 1.05;
  const double largest = *std::max_element(norms.begin(), norms.end());
  std::vector<double> scaled;
  for (double n : norms) scaled.push_back(largest > 0 ? n / largest : 0);
  chart.series.push_back({alphas, cosines, "cosine of the gradient and the path", io::palette(0)});
  chart.series.push_back({alphas, scaled, fmt::format("gradient norm / {:.3g}", largest), io::palette(1)});
  auto picture = request.out;
  io::writeChartPng(picture.replace_extension(".png"), chart);
  if (!request.quiet) std::cout << fmt::format("wrote {} and {}\n", request.out.string(), picture.string());
  return 0;
}

}  // namespace

int jacobian(const JacobianRequest& request) {
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.top < 1) throw UserError("--top must be at least 1");
  if (request.batch < 1) throw UserError("--batch must be at least 1");
  if (request.maxRestarts < 1) throw UserError("--max-restarts must be at least 1");
  if (request.method != "auto" && request.method != "dense" && request.method != "arnoldi")
    throw UserError(fmt::format("--method must be dense, arnoldi or auto, got '{}'", request.method));
  const auto order = eval::parseSpectrumOrder(request.which, "--which");
  const auto path = checkpointOf(request.run, request.checkpoint);
  createParentFolder(request.out);
  if (request.pathAngle) return pathAngle(request, path);
  const auto start = std::chrono::steady_clock::now();

  auto game = loadTrainedGame(path, request.assignments);
  auto& arena = game.trainer->arena();
  requireBatchFits(*game.trainer, request.batch);
  JointField field(arena, request.batch, static_cast<uint64_t>(request.seed));
  const int64_t n = field.size();
  const bool dense = request.method == "dense" || (request.method == "auto" && n <= kDenseLimit);
  if (dense && n > 20000)
    throw UserError(
        fmt::format("--method dense forms the {} x {} matrix of this run's {} parameters: use --method "
                    "arnoldi",
                    n, n, n));
  auto v = field.evaluate();

  nlohmann::json report;
  report["checkpoint"] = path.string();
  report["step"] = game.trainer->steps();
  report["objective"] = game.config.getString("objective");
  report["penalty"] = game.config.getString("penalty");
  report["penalty_weight"] = game.config.getFloat("penalty_weight");
  report["instance_noise"] = arena.game().instanceNoise.stdAt(arena.steps());
  report["parameters"] = {
      {"generator", field.size(Side::Generator)}, {"discriminator", field.size(Side::Discriminator)}, {"total", n}};
  report["batch"] = request.batch;
  report["seed"] = request.seed;
  report["which"] = request.which;
  report["dtype"] = "float64";
  report["field_norm"] = v.norm().item<double>();

  std::vector<std::complex<double>> values;
  eval::SolveLimits limits;  // the solvers' default tolerance
  limits.maxRestarts = request.maxRestarts;
  if (dense) {
    auto values64 = eval::doubles(field.matrix());
    values = eval::denseEigenvalues(values64, n, order);
    if (static_cast<int64_t>(values.size()) > request.top) values.resize(static_cast<size_t>(request.top));
    report["method"] = "dense";
    report["converged"] = true;
    report["products"] = n;
  } else {
    auto found = eval::arnoldiEigenvalues(n, eval::transposeOperator(field), request.top, order, limits);
    values = found.values;
    report["method"] = "arnoldi";
    report["converged"] = found.converged;
    report["products"] = found.products;
    report["restarts"] = found.restarts;
    report["max_restarts"] = request.maxRestarts;
  }
  report["eigenvalues"] = complexList(values);
  report["summary"] = summaryOf(values);
  report["hessians"] = {{"generator", hessianSpectrum(field, Side::Generator, dense, request.top, limits)},
                        {"discriminator", hessianSpectrum(field, Side::Discriminator, dense, request.top, limits)}};
  report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writeFileAtomic(request.out, report.dump(2) + "\n");
  auto picture = request.out;
  drawSpectrum(picture.replace_extension(".png"), values,
               fmt::format("Jacobian eigenvalues, step {} ({} parameters)", game.trainer->steps(), n));
  if (!request.quiet) {
    std::cout << fmt::format("{} eigenvalues of the Jacobian ({} parameters, {}), first by {}:\n", values.size(), n,
                             report["method"].get<std::string>(), request.which);
    for (const auto& value : values) std::cout << fmt::format("  {:+.6g} {:+.6g}i\n", value.real(), value.imag());
    if (!report["converged"].get<bool>())
      std::cout << fmt::format(
          "  (only {} of the {} asked converged within {} restarts; eigenvalues not yet found may come "
          "first in the order: raise --max-restarts or --top, or change the batch)\n",
          values.size(), request.top, report["restarts"].get<int64_t>());
    for (const auto& [player, spectrum] : report["hessians"].items())
      if (!spectrum["converged"].get<bool>())
        std::cout << fmt::format("  ({}'s Hessian: only {} of its {} eigenvalues converged within {} restarts)\n",
                                 player, spectrum["eigenvalues"].size(), request.top,
                                 spectrum["restarts"].get<int64_t>());
    std::cout << fmt::format("wrote {} in {:.1f} s\n", request.out.string(), report["seconds"].get<double>());
  }
  return 0;
}

}  // namespace gantry::app
