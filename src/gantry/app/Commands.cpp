#include "gantry/app/Commands.h"

#include "gantry/app/EvalSetup.h"
#include "gantry/app/Launch.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunLock.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/app/Tables.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Blas.h"
#include "gantry/core/Build.h"
#include "gantry/core/Error.h"
#include "gantry/eval/EvalCallback.h"
#include "gantry/eval/Snapshots.h"
#include "gantry/eval/dynamics/JacobianCallback.h"
#include "gantry/io/Npy.h"
#include "gantry/io/Png.h"
#include "gantry/train/Checkpoint.h"
#include "gantry/train/DataParallel.h"
#include "gantry/train/Divergence.h"
#include "gantry/train/RunCallbacks.h"
#include "gantry/train/SampleRenderer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <poll.h>
#include <torch/torch.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace gantry::app {

namespace {

std::atomic<bool> gInterrupted{false};
std::atomic<int> gSignal{0};

/// StopSignals' handler in a training: each signal stops the run at the end
/// of its step, which saves a checkpoint.
extern "C" void onInterrupt(int signal) {
  gSignal = signal;
  gInterrupted = true;
}

void printNotes(const std::string& notes) {
  std::istringstream lines(notes);
  for (std::string line; std::getline(lines, line);) std::cerr << "gantry: note: " << line << "\n";
}

/// The run's config: key defaults < preset < the preset's settings for the
/// chosen objective < --config file < --set < --steps/--seed. The objective
/// is known only once everything is read, hence two passes.
Config resolveNewRunConfig(const TrainRequest& request) {
  std::string preset = request.preset;
  if (preset.empty() && !request.configFile.empty()) {
    // The file may name its base preset; --preset overrides that.
    Config fileConfig(trainingSchema());
    fileConfig.mergeToml(request.configFile);
    preset = fileConfig.getString("preset");
  }
  if (preset.empty() && request.configFile.empty()) preset = defaultPresetName();
  auto resolve = [&](const std::string& objective) {
    Config config(trainingSchema());
    if (!preset.empty()) applyPreset(config, preset, objective);
    if (!request.configFile.empty()) config.mergeToml(request.configFile);
    if (!preset.empty()) config.set("preset", preset, "");
    const std::string base = config.getString("preset");
    for (const auto& assignment : request.assignments) config.setAssignment(assignment, "--set");
    // The preset is where the values came from, not a value: --set
    // preset=X over another preset's values would mislabel the run.
    if (config.getString("preset") != base)
      throw UserError("config key 'preset' (--set) names the base the run starts from: give it with --preset NAME");
    if (request.steps) config.set("steps", *request.steps, "--steps");
    if (request.seed) config.set("seed", *request.seed, "--seed");
    return config;
  };
  auto config = resolve("");
  if (preset.empty()) return config;
  return resolve(config.getString("objective"));
}

/// A line of a run's log that is a whole JSON object, with its step if it
/// has one.
struct LogLine {
  std::string text;
  std::optional<int64_t> step;
};

/// The whole lines of a log (metrics.jsonl, snapshots.jsonl,
/// jacobian.jsonl): a line that is not a JSON object (a write cut short by a
/// full disk or a kill) is left out.
std::vector<LogLine> readLogLines(const std::filesystem::path& path) {
  std::vector<LogLine> lines;
  std::istringstream in(readTextFile(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    std::optional<int64_t> step;
    if (j.contains("step") && j["step"].is_number_integer()) step = j["step"].get<int64_t>();
    lines.push_back({std::move(line), step});
  }
  return lines;
}

/// Drops the lines of the run's logs past the checkpoint's step (those
/// steps are redone) and the lines cut short, so each file stays a valid
/// prefix of the run.
void trimLogs(const RunFolder& run, int64_t step) {
  for (const auto& path : {run.metrics(), run.snapshots(), run.jacobian()}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    std::string kept;
    for (const auto& line : readLogLines(path))
      if (!line.step || *line.step <= step) kept += line.text + "\n";
    writeFileAtomic(path, kept);
  }
}

/// Appends one line to a run's log, checked (a full disk stops the run
/// with one line naming the file).
void appendLine(const std::filesystem::path& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) throw UserError(fmt::format("cannot write {}: is the disk full?", path.string()));
}

/// Real and generated samples of each report snapshot.
constexpr int64_t kSnapshotSamples = 1000;

/// What to do when OpenBLAS runs kernels older than the CPU (it did not
/// know the processor): its fallback's products run at a fraction of the
/// speed (docs/performance.md has the measurement).
std::string slowKernelsNote(const std::string& faster) {
  return fmt::format(
      "OpenBLAS does not know this CPU and runs its {} kernels, older than the CPU: matrix products run at a "
      "fraction of their speed; start gantry with OPENBLAS_CORETYPE={} set (docs/performance.md)",
      blasKernels(), faster);
}

/// Appends this start's build and machine to facts.jsonl (the report's
/// facts: which commits and machines a run was trained with).
void recordStart(const RunFolder& run, int64_t step) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  nlohmann::json line = {{"step", step},
                         {"gantry", GANTRY_VERSION},
                         {"commit", kCommit},
                         {"libtorch", TORCH_VERSION},
                         {"machine", fmt::format("{}, {} cores", cpuName(), availableCores())},
                         {"openblas_coretype", coretype ? nlohmann::json(coretype) : nlohmann::json()},
                         {"openblas_kernels", blasKernels()},
                         {"host", host}};
  appendLine(run.facts(), line.dump());
}

/// Writes report.html every `every` steps and at the end. A page that
/// cannot be written costs a note, not the run.
class ReportWriter : public train::Callback {
 public:
  ReportWriter(std::filesystem::path run, int64_t every) : run_(std::move(run)), every_(every) {}
  void onStep(train::Trainer& trainer, const Figures&) override {
    if (every_ > 0 && trainer.steps() % every_ == 0) write(/*final=*/false);
  }
  // At the end, a Dirac-GAN's page gets its game's field too.
  void onEnd(train::Trainer&) override { write(/*final=*/true); }

 private:
  void write(bool final) {
    try {
      writeRunReport(run_, final);
    } catch (const std::exception& e) {
      if (!warned_)
        std::cerr << "gantry: note: " << (run_ / "report.html").string() << " not written: " << e.what() << "\n";
      warned_ = true;
    }
  }
  std::filesystem::path run_;
  int64_t every_;
  bool warned_ = false;
};

/// Fixed noise (and, for a conditional generator, fixed labels: the classes
/// in turn) from its own generator, apart from training's draws.
std::pair<torch::Tensor, torch::Tensor> fixedNoise(const RunSettings& settings, int64_t count, uint64_t offset,
                                                   int64_t classes) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(settings.run.seed) + offset);
  auto z = latentPrior(settings).sample(count, {}, generator);
  torch::Tensor labels;
  if (classes > 0) labels = torch::arange(count, torch::kLong).remainder(classes);
  return {z, labels};
}

/// The metrics of eval_every, built before the run folder is touched (a
/// missing classifier is bad input like any other); null when off.
std::shared_ptr<eval::Evaluator> trainingEvaluator(const Config& config) {
  const auto settings = readSettings(config);
  auto names = parseMetricList(settings.eval.eval_metrics);
  if (settings.eval.eval_every == 0) {
    // Unused now, but a typo all the same, found before it is switched on.
    if (!names.empty()) checkMetrics(names, config, "config key 'eval_metrics'");
    return nullptr;
  }
  if (names.empty()) names = defaultTrainingMetrics(config);
  EvaluatorOptions options;
  options.classifier = settings.eval.eval_classifier;
  options.origin = "config key 'eval_metrics'";
  return buildEvaluator(names, config, options).evaluator;
}

/// " --nproc W" for a run of W processes (how it resumes), else nothing.
std::string worldSizeOption(train::Trainer& trainer) {
  const auto* parallel = trainer.arena().options().parallel.get();
  return parallel ? fmt::format(" --nproc {}", parallel->worldSize()) : "";
}

int runTraining(const RunFolder& run, const Config& config, train::Trainer& trainer, bool quiet,
                std::shared_ptr<eval::Evaluator> evaluator) {
  const auto settings = readSettings(config);
  const int64_t total = settings.run.steps;
  auto toy = toyDistribution(config);
  const bool interactive = ::isatty(STDOUT_FILENO) != 0;
  const int64_t classes = trainer.generator().classes();
  recordStart(run, trainer.steps());
  // A metrics line and a divergence check at each checkpoint too: a resume
  // from any checkpoint then redoes the lines that followed it as they were.
  const train::FigureInterval figureInterval{settings.run.log_every, settings.run.checkpoint_every};
  train::MetricsLogger metrics(run.metrics(), figureInterval);
  auto [sampleNoise, sampleLabels] = fixedNoise(settings, settings.run.sample_count, 7919, classes);
  train::SampleWriter samples(
      run.samples(), settings.run.sample_every, sampleNoise,
      [toy](const torch::Tensor& s) { return train::renderSamples(s, toy.get()); }, sampleLabels);
  train::CheckpointWriter checkpoints(run.checkpoint(), settings.run.checkpoint_every, config.toToml());
  train::ProgressReporter progress(total, settings.run.log_every, metrics, interactive);
  // The guard first: a diverged step gets neither a metrics line nor a checkpoint.
  train::DivergenceGuard guard(figureInterval);
  std::vector<train::Callback*> callbacks = {&guard, &metrics, &samples, &checkpoints};
  std::unique_ptr<eval::EvalCallback> evaluation;
  if (evaluator) {
    // Its own fixed noise, apart from the pictures' (seed + 7919).
    auto [latents, labels] = fixedNoise(settings, settings.eval.eval_samples, 104729, classes);
    evaluation = std::make_unique<eval::EvalCallback>(
        evaluator, settings.eval.eval_every, latents,
        [&metrics, quiet, interactive](const nlohmann::json& line) {
          metrics.writeLine(line.dump());
          // A population prints its means; each member's line is in metrics.jsonl.
          if (quiet || line.contains("member")) return;
          std::vector<std::string> parts;
          for (const auto& [name, result] : line["eval"].items()) parts.push_back(metricSummary(name, result));
          const auto members =
              line.contains("members") ? fmt::format(" (means of {} members)", line["members"].get<int64_t>()) : "";
          std::cout << fmt::format("{}eval at step {}{}: {} ({:.1f} s)\n", interactive ? "\r\x1b[K" : "",
                                   line["step"].get<int64_t>(), members, fmt::join(parts, ", "),
                                   line["eval_s"].get<double>());
          for (const auto& setting : line.value("settings", nlohmann::json::array()))
            std::cout << settingSummary(setting, "eval");
          std::cout << std::flush;
        },
        labels);
    evaluation->setMemberSettings(memberSettings(settings));
    // Before the logger: at the last step, its line must be out before the logger closes the file.
    callbacks.insert(callbacks.begin() + 1, evaluation.get());
  }
  std::unique_ptr<eval::JacobianCallback> spectra;
  std::ofstream spectraFile;
  if (settings.eval.jacobian_every > 0) {
    spectraFile.open(run.jacobian(), std::ios::app);
    if (!spectraFile)
      throw UserError(fmt::format("cannot write {}: check that the run folder is writable", run.jacobian().string()));
    spectra = std::make_unique<eval::JacobianCallback>(
        settings.eval.jacobian_every, settings.eval.jacobian_top, settings.eval.jacobian_batch,
        [&spectraFile](const nlohmann::json& line) { spectraFile << line.dump() << "\n"
                                                                 << std::flush; });
    // After the guard: a diverged step's spectrum is not taken.
    callbacks.insert(callbacks.begin() + 1, spectra.get());
  }
  // The report's snapshots at the pictures' steps, from draws of their own
  // (seed + 15485863 for G's codes, + 32452843 for the real samples).
  auto [snapshotLatents, snapshotLabels] = fixedNoise(settings, kSnapshotSamples, 15485863, classes);
  eval::SnapshotCallback snapshots(
      settings.run.sample_every,
      {trainer.arena().data().fixedDraw(kSnapshotSamples, static_cast<uint64_t>(settings.run.seed) + 32452843),
       snapshotLatents, snapshotLabels, toy, static_cast<uint64_t>(settings.run.seed) + 49979687},
      [&run](const nlohmann::json& line) { appendLine(run.snapshots(), line.dump()); });
  // A population's players are its members' together: the report shows its
  // losses, not one member's D over the data.
  if (trainer.generator().members() == 1) callbacks.push_back(&snapshots);
  // Last: at the end it reads what the others have written.
  ReportWriter reportWriter(run.root, settings.run.checkpoint_every);
  callbacks.push_back(&reportWriter);
  if (!quiet) callbacks.push_back(&progress);

  {
    StopSignals stopSignals(onInterrupt);
    trainer.setStopFlag(&gInterrupted);
    trainer.run(total, callbacks);
  }

  if (trainer.stopped()) {
    const int signal = gSignal.load();
    std::cerr << fmt::format(
        "gantry: interrupted ({}) at step {}; checkpoint saved; continue with: gantry train "
        "--resume {} --steps {}{}\n",
        signal == SIGTERM  ? "SIGTERM"
        : signal == SIGHUP ? "SIGHUP"
                           : "SIGINT",
        trainer.steps(), run.root.string(), total, worldSizeOption(trainer));
    // The shell's convention: 128 + the signal's number.
    return 128 + (signal > 0 ? signal : SIGINT);
  }
  if (!quiet)
    std::cout << fmt::format(
        "trained {} steps; run folder {}: config.toml, metrics.jsonl, checkpoint.pt, "
        "samples/latest.png\nreport: {}\n",
        trainer.steps(), run.root.string(), run.report().string());
  return 0;
}

/// A rollback's lower rates, set in `config`, and how they changed. In a
/// population where some members diverged and others did not, only the
/// diverged members' rates go down (member_lr_factors): the others then
/// train on from the checkpoint as their seeds' runs did. Otherwise both
/// rates, and a sweep's, times `factor`.
std::string lowerRates(Config& config, const RunSettings& settings, train::Trainer& trainer, double factor) {
  const int64_t population = settings.run.population;
  const auto members = population > 1 ? train::nonFiniteMembers(trainer, population) : std::vector<int64_t>{};
  if (!members.empty() && static_cast<int64_t>(members.size()) < population) {
    auto factors = settings.sweep.member_lr_factors;
    if (factors.empty()) factors.assign(static_cast<size_t>(population), 1.0);
    for (int64_t n : members) factors[static_cast<size_t>(n)] *= factor;
    config.set("member_lr_factors", factors, "on_divergence");
    return fmt::format("the rates of member{} {} times {:g}", members.size() > 1 ? "s" : "", fmt::join(members, ", "),
                       factor);
  }
  const double lrG = settings.optimizer.lr_g, lrD = settings.optimizer.lr_d;
  config.set("lr_g", lrG * factor, "on_divergence");
  config.set("lr_d", lrD * factor, "on_divergence");
  for (const char* key : {"sweep_lr_g", "sweep_lr_d"}) {  // a sweep's rates, alike
    auto rates = config.getFloatList(key);
    for (auto& rate : rates) rate *= factor;
    config.set(key, rates, "on_divergence");
  }
  return fmt::format("lr_g {:g} -> {:g}, lr_d {:g} -> {:g}{}", lrG, lrG * factor, lrD, lrD * factor,
                     train::sweeps(settings.sweep) ? fmt::format(" and the sweep's rates times {:g}", factor) : "");
}

/// Runs the training under the run's divergence policy: `stop` ends it
/// with one line (exit status 3); `rollback` goes back to the last
/// checkpoint (or the start), scales the learning rates by
/// divergence_lr_factor in the run's config and its checkpoint (lowerRates:
/// in a population, the diverged members'), drops the
/// metrics lines past that step and trains on, at most divergence_retries
/// times.
int trainUnderPolicy(const RunFolder& run, Config config, std::unique_ptr<train::Trainer> trainer, bool quiet,
                     const std::shared_ptr<eval::Evaluator>& evaluator) {
  // Once per command, not again at each rollback's new start.
  if (const auto faster = fasterBlasCoretype(); !quiet && !faster.empty()) printNotes(slowKernelsNote(faster));
  for (int64_t rollbacks = 0;; ++rollbacks) {
    try {
      return runTraining(run, config, *trainer, quiet, evaluator);
    } catch (const train::Diverged& diverged) {
      const auto settings = readSettings(config);
      std::error_code ec;
      const bool saved = std::filesystem::exists(run.checkpoint(), ec);
      if (settings.run.on_divergence == "stop" || rollbacks >= settings.run.divergence_retries) {
        std::cerr << fmt::format(
            "gantry: error: {}; {}; {}\n", diverged.what(),
            saved ? "the last checkpoint is finite and unchanged"
                  : fmt::format("no checkpoint was written, so nothing resumes: remove {}", run.root.string()),
            settings.run.on_divergence == "stop"
                ? "train again with lower lr_d and lr_g, or with --set on_divergence=rollback"
                : fmt::format("{} rollbacks did not help: train again with other settings", rollbacks));
        return 3;
      }
      const double factor = settings.run.divergence_lr_factor;
      const auto lowered = lowerRates(config, settings, *trainer, factor);
      trainer = buildTrainer(config);
      if (saved) train::CheckpointReader(run.checkpoint()).restore(*trainer);
      if (saved) train::writeCheckpoint(run.checkpoint(), *trainer, config.toToml());
      writeFileAtomic(run.config(), config.toToml());
      trimLogs(run, trainer->steps());
      std::cerr << fmt::format("gantry: note: {}; rolled back to step {} with {} (rollback {} of at most {})\n",
                               diverged.what(), trainer->steps(), lowered, rollbacks + 1,
                               settings.run.divergence_retries);
    }
  }
}

/// A relative data_dir is the working directory's: it is kept absolute, so
/// that the run resumes and is evaluated from any directory (it named
/// another folder, or none, from elsewhere).
void keepDataFolderAbsolute(Config& config) {
  const std::filesystem::path folder = config.getString("data_dir");
  if (folder.empty() || folder.is_absolute()) return;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(folder, ec);
  if (!ec) config.setText("data_dir", absolute.lexically_normal().string(), "data_dir");
}

/// An image folder is read with its subfolders: a run folder inside it
/// would become training data (its pictures a class of their own) when the
/// run resumes or is evaluated.
void refuseRunInsideImages(const RunFolder& run, const RunSettings& settings) {
  if (settings.data.dataset != "images" || settings.data.data_dir.empty()) return;
  if (isInside(run.root, settings.data.data_dir))
    throw UserError(
        fmt::format("--out {} lies inside the image folder data_dir = {}: its pictures would become "
                    "training images; choose an --out outside it",
                    run.root.string(), settings.data.data_dir));
}

void refuseExistingRun(const RunFolder& run) {
  std::error_code ec;
  if (std::filesystem::exists(run.config(), ec) || std::filesystem::exists(run.checkpoint(), ec))
    throw UserError(
        fmt::format("run folder {} already holds a run; continue it with --resume {} or choose another --out",
                    run.root.string(), run.root.string()));
}

/// The entries of a folder (none when it does not exist).
std::set<std::filesystem::path> entriesOf(const std::filesystem::path& folder) {
  std::set<std::filesystem::path> entries;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) entries.insert(entry.path());
  return entries;
}

/// Whether a run folder holds nothing of the run but its config and lock
/// (no checkpoint, no sample, no metrics line) beside the entries it held
/// `before` the start.
bool holdsNothingYet(const RunFolder& run, const std::set<std::filesystem::path>& before) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run.root, ec)) {
    const auto& path = entry.path();
    if (before.count(path) > 0 || path == run.config() || path == lockFile(run.root)) continue;
    if (path == run.metrics() && std::filesystem::file_size(path, ec) == 0) continue;
    if (path == run.facts()) continue;
    if (path == run.samples() && std::filesystem::is_empty(path, ec)) continue;
    return false;
  }
  return !ec;
}

/// Rank 0 of a data-parallel job hands the others the run's config and its
/// trainer's state (fresh or restored), so that every rank starts from the
/// same point without reading the run folder.
void startFollowers(train::DataParallel& parallel, const Config& config, train::Trainer& trainer) {
  if (readSettings(config).run.on_divergence != "stop")
    throw UserError(
        "config key 'on_divergence' = rollback restarts one process alone; with --nproc or --world-size set "
        "it to stop");
  torch::serialize::OutputArchive archive;
  trainer.save(archive);
  std::ostringstream state;
  archive.save_to(state);
  parallel.publish("config", config.toToml());
  parallel.publish("state", state.str());
  parallel.publish("start", "ok");
}

/// Ranks above 0: the run rank 0 started, trained on their shards, with no
/// output of their own (rank 0 writes the run folder). When rank 0 refuses
/// to start, it says why; a quiet rank (the launcher's, on rank 0's
/// terminal) then only exits with the same status.
int trainFollower(const std::shared_ptr<train::DataParallel>& parallel, bool quiet) {
  const auto start = parallel->receive("start");
  if (start != "ok") {
    if (!quiet) std::cerr << "gantry: error: rank 0 did not start the run: " << start << "\n";
    return 2;
  }
  Config config(trainingSchema());
  config.mergeTomlString(parallel->receive("config"), "rank 0's config");
  auto trainer = buildTrainer(config, parallel);
  const auto state = parallel->receive("state");
  torch::serialize::InputArchive archive;
  archive.load_from(state.data(), state.size());
  trainer->load(archive);
  StopSignals stopSignals(onInterrupt);
  trainer->setStopFlag(&gInterrupted);
  trainer->run(readSettings(config).run.steps, {});
  return trainer->stopped() ? 128 + (gSignal.load() > 0 ? gSignal.load() : SIGINT) : 0;
}

int trainNew(const TrainRequest& request, const std::shared_ptr<train::DataParallel>& parallel) {
  if (request.out.empty()) throw UserError("gantry train needs --out RUN_DIR (or --resume RUN_DIR)");
  auto config = resolveNewRunConfig(request);
  keepDataFolderAbsolute(config);
  const auto settings = readSettings(config);
  checkThreads(settings.run);
  RunFolder run{request.out};
  refuseRunInsideImages(run, settings);
  // A folder that exists may be another process's: its lock names it.
  std::optional<RunLock> lock;
  std::error_code ec;
  const auto before = entriesOf(run.root);  // what a failed start leaves there
  if (std::filesystem::is_directory(run.root, ec)) lock.emplace(run.root, "gantry train");
  refuseExistingRun(run);
  // Everything that can fail on bad input (config, data) fails here, before
  // the run folder is created.
  auto trainer = buildTrainer(config, parallel);
  checkMemory(settings, *trainer);
  auto evaluator = trainingEvaluator(config);
  const bool made = !lock;
  std::filesystem::create_directories(run.root, ec);
  if (ec) throw UserError(fmt::format("cannot create run folder {} ({})", run.root.string(), ec.message()));
  if (!lock) {
    lock.emplace(run.root, "gantry train");
    refuseExistingRun(run);  // again under the lock: another process may have started a run here since
  }
  printNotes(lock->notes());
  writeFileAtomic(run.config(), config.toToml());
  lock->keepFile();
  try {
    if (parallel) startFollowers(*parallel, config, *trainer);
    return trainUnderPolicy(run, config, std::move(trainer), request.quiet, evaluator);
  } catch (...) {
    // A size the memory estimate let through fails in the first steps: that
    // is still the start, and what it wrote goes with it while the run holds
    // nothing a user could want: the folder, if this command made it, else
    // the start's own files, so that a corrected command can start there.
    if (holdsNothingYet(run, before)) {
      if (made) {
        std::filesystem::remove_all(run.root, ec);
      } else {
        for (const auto& entry : entriesOf(run.root))
          if (before.count(entry) == 0) std::filesystem::remove_all(entry, ec);
      }
      lock.reset();
    }
    throw;
  }
}

/// A folder without checkpoint.pt whose metrics.jsonl goes past the step of
/// the first checkpoint had one, and someone removed it: starting again from
/// step 0 would drop that run's metrics, so it is refused. A line at that
/// very step is not enough: it is written just before the checkpoint, and a
/// kill between the two leaves a folder that rightly starts again.
void refuseIfACheckpointWasDue(const RunFolder& run, const Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(run.metrics(), ec)) return;
  const auto settings = readSettings(config);
  const int64_t every = settings.run.checkpoint_every;
  const int64_t firstDue = every > 0 ? std::min(every, settings.run.steps) : settings.run.steps;
  int64_t last = 0;
  for (const auto& line : readLogLines(run.metrics()))
    if (line.step) last = std::max(last, *line.step);
  if (last > firstDue)
    throw UserError(fmt::format(
        "run folder {} has no checkpoint.pt, yet its metrics.jsonl reaches step {}, past the first checkpoint "
        "(step {}): restore checkpoint.pt, or train a new run with --out",
        run.root.string(), last, firstDue));
}

/// A run resumes with the processes it was trained with: its shards, batch
/// statistics and per-shard draws follow their number.
void refuseOtherWorldSize(const train::Trainer& trainer, const train::DataParallel* parallel) {
  const int64_t saved = trainer.loadedWorldSize();
  const int64_t now = parallel ? parallel->worldSize() : 1;
  if (saved != now)
    throw UserError(fmt::format("the checkpoint was trained by {} process{}, this start has {}; resume with {}", saved,
                                saved == 1 ? "" : "es", now,
                                saved == 1 ? std::string("no --nproc or --world-size")
                                           : fmt::format("--nproc {} (or --world-size {})", saved, saved)));
}

int trainResume(const TrainRequest& request, const std::shared_ptr<train::DataParallel>& parallel) {
  if (!request.preset.empty() || !request.configFile.empty() || !request.assignments.empty() || request.seed ||
      !request.out.empty())
    throw UserError(
        "--resume continues a run with its own config; give only --steps (start a new run with --out "
        "to change the config)");
  RunFolder run{request.resume};
  readRunConfig(run);  // a run folder at all, before its lock
  RunLock lock(run.root, "gantry train --resume");
  lock.keepFile();
  printNotes(lock.notes());
  auto config = readRunConfig(run);
  // A run stopped before its first checkpoint (kill -9 early on) has
  // nothing to lose: it starts again from step 0, as it began. A run that
  // had one and lost it is refused, naming checkpoint.prev.pt.
  std::error_code ec;
  std::optional<train::CheckpointReader> checkpoint;
  if (std::filesystem::exists(run.checkpoint(), ec) ||
      std::filesystem::exists(train::previousCheckpoint(run.checkpoint()), ec)) {
    checkpoint.emplace(run.checkpoint());
    checkCheckpointMatches(run, config, *checkpoint);
  } else {
    refuseIfACheckpointWasDue(run, config);
    printNotes(fmt::format("run folder {} has no checkpoint yet (stopped before its first): training from step 0\n",
                           run.root.string()));
  }
  if (request.steps) config.set("steps", *request.steps, "--steps");
  auto trainer = buildTrainer(config, parallel);
  // A conditional G's classes come from the data: an image folder that
  // gained or lost a class since would load into embeddings of the old
  // size and fail on the first new label (0: unconditional, or a
  // checkpoint older than the record).
  if (const int64_t saved = checkpoint ? checkpoint->generatorClasses() : 0;
      saved > 0 && saved != trainer->generator().classes())
    throw UserError(
        fmt::format("run {} was trained on {} classes, its data (data_dir = {}) now has {}: restore the "
                    "data's class folders, or train a new run with --out",
                    run.root.string(), saved, config.getString("data_dir"), trainer->generator().classes()));
  if (checkpoint) checkpoint->restore(*trainer);
  refuseOtherWorldSize(*trainer, parallel.get());
  if (trainer->steps() >= config.getInt("steps"))
    throw UserError(fmt::format("run {} is already at step {}; pass --steps greater than that to train on",
                                run.root.string(), trainer->steps()));
  auto evaluator = trainingEvaluator(config);
  if (parallel) startFollowers(*parallel, config, *trainer);
  trimLogs(run, trainer->steps());
  writeFileAtomic(run.config(), config.toToml());
  return trainUnderPolicy(run, config, std::move(trainer), request.quiet, evaluator);
}

/// A line prepared for a signal handler, which may not allocate.
struct SignalLine {
  char text[512];
  size_t length = 0;
  void set(const std::string& line) {
    length = std::min(line.size(), sizeof(text));
    std::memcpy(text, line.data(), length);
  }
};
SignalLine gBrokenConnectionLine, gClosedOutputLine;

extern "C" void onBrokenConnection(int) {
  // Async-signal-safe calls only. The signal does not say which write
  // failed: a standard output whose reader has gone (`... | head`) polls as
  // an error, and then it is that, not a peer.
  struct pollfd output {};
  output.fd = STDOUT_FILENO;
  output.events = POLLOUT;
  const bool outputClosed = ::poll(&output, 1, 0) == 1 && (output.revents & POLLERR) != 0;
  const auto& line = outputClosed ? gClosedOutputLine : gBrokenConnectionLine;
  const ssize_t written = ::write(STDERR_FILENO, line.text, line.length);
  (void)written;
  ::_exit(2);
}

/// Gloo writes to its sockets without MSG_NOSIGNAL: a write to a rank that
/// has just died raises SIGPIPE, which killed this rank without a word (2 of
/// 40 kills of a peer mid-training; the others see the closed connection on
/// a read and stop with their one line). Ignored, the failed write left the
/// collective waiting for Gloo's timeout (30 minutes). So the signal stops
/// the rank with the same kind of line, at once; the run folder keeps its
/// last checkpoint, as on the other path.
void stopOnBrokenConnection(int64_t rank, int64_t worldSize) {
  const std::string rest =
      "; the run folder keeps the last checkpoint written (resume with the same number of processes)\n";
  gBrokenConnectionLine.set(fmt::format(
      "gantry: error: rank {} of {} stopped: a connection to another rank broke while writing to it (SIGPIPE: "
      "did a rank die?){}",
      rank, worldSize, rest));
  gClosedOutputLine.set(fmt::format(
      "gantry: error: rank {} of {} stopped: its standard output was closed (SIGPIPE: did the command reading "
      "it exit?){}",
      rank, worldSize, rest));
  struct sigaction action {};
  action.sa_handler = onBrokenConnection;
  sigemptyset(&action.sa_mask);
  sigaction(SIGPIPE, &action, nullptr);
}

}  // namespace

int train(const TrainRequest& request) {
  const auto place = train::processPlace(request.rank, request.worldSize, request.master);
  if (place.worldSize == 1) return request.resume.empty() ? trainNew(request, nullptr) : trainResume(request, nullptr);
  auto parallel = std::make_shared<train::DataParallel>(place);
  stopOnBrokenConnection(parallel->rank(), parallel->worldSize());
  try {
    if (parallel->rank() > 0) return trainFollower(parallel, request.quiet);
    try {
      return request.resume.empty() ? trainNew(request, parallel) : trainResume(request, parallel);
    } catch (const UserError& e) {
      parallel->publish("start", firstLine(e.what()));  // the others are waiting for it
      throw;
    }
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    // A collective that failed: another rank died, or the network between them.
    const std::string what =
        dynamic_cast<const c10::Error*>(&e) ? static_cast<const c10::Error&>(e).what_without_backtrace() : e.what();
    throw UserError(
        fmt::format("rank {} of {} stopped: {}; the run folder keeps the last checkpoint written "
                    "(resume with the same number of processes)",
                    place.rank, place.worldSize, firstLine(what)));
  }
}

int sample(const SampleRequest& request) {
  if (request.codes.empty() && request.count < 1) throw UserError("-n must be at least 1");
  auto ext = request.out.extension().string();
  if (ext != ".npy" && ext != ".png")
    throw UserError(fmt::format("--out {} must end in .npy (array) or .png (picture)", request.out.string()));
  // The samples would be written over the codes they were drawn from.
  if (!request.codes.empty() && samePath(request.out, request.codes))
    throw UserError(
        fmt::format("--out {} is --z, the codes this command reads; choose another --out", request.out.string()));
  auto [config, generator] = loadTrainedGenerator(RunFolder{request.run}, request.ema, request.member);
  const int64_t classes = generator->classes();
  torch::Tensor labels;
  torch::Tensor codes;
  if (!request.codes.empty()) codes = readLatentCodes(request.codes, generator->latentDim());
  int64_t count = codes.defined() ? codes.size(0) : request.count;
  int64_t columns = 0;
  if (request.label) {
    if (classes == 0)
      throw UserError(fmt::format("--label: run {} is not conditional (conditional = none); sample without --label",
                                  request.run.string()));
    if (*request.label == "all") {
      if (codes.defined()) throw UserError("--label all draws codes for each class; with --z give one class");
      // count samples of each class, one row per class.
      labels = torch::arange(classes, torch::kLong).repeat_interleave(request.count);
      columns = request.count;
      count = classes * request.count;
    } else {
      int64_t label = -1;
      try {
        size_t end = 0;
        label = std::stoll(*request.label, &end);
        if (end != request.label->size()) label = -1;
      } catch (const std::exception&) {
      }
      if (label < 0 || label >= classes)
        throw UserError(
            fmt::format("--label must be a class in 0..{} or 'all', got '{}'", classes - 1, *request.label));
      labels = torch::full({count}, label, torch::kLong);
    }
  }
  createParentFolder(request.out);
  if (codes.defined() && classes > 0 && !labels.defined())
    throw UserError("--z on a conditional run needs --label C, the class of every code");
  auto samples = codes.defined() ? generateFrom(*generator, config, codes, labels)
                                 : drawSamples(*generator, config, count, static_cast<uint64_t>(request.seed), labels);
  if (ext == ".npy")
    io::writeNpy(request.out, samples);
  else if (columns > 0 && samples.dim() == 4)
    io::writePng(request.out, io::makeGrid(samples, columns));
  else
    io::writePng(request.out, train::renderSamples(samples, toyDistribution(config).get()));
  return 0;
}

void printPresets() {
  for (const auto& preset : presets()) {
    std::cout << fmt::format("{:<14} {}{}\n", preset.name, preset.description,
                             preset.name == defaultPresetName() ? " (default)" : "");
    for (const auto& [objective, settings] : preset.objectiveSettings) {
      std::vector<std::string> assignments;
      for (const auto& [key, value] : settings) assignments.push_back(key + "=" + value);
      std::cout << fmt::format("{:<14}   with objective={}: {}\n", "", objective, fmt::join(assignments, " "));
    }
  }
}

void printKeys(bool markdown) { std::cout << keysTable(markdown); }

void printList(const std::string& kind, bool markdown) { std::cout << registryTable(kind, markdown); }

void printInfo(const std::string& preset, const std::vector<std::string>& assignments) {
  bool overlap = false;
  ParameterCounts parameters;
  if (!preset.empty()) {
    Config config(trainingSchema());
    applyPreset(config, preset);
    for (const auto& assignment : assignments) config.setAssignment(assignment, "--set");
    const auto plan = threadPlan(readSettings(config), workloadOf(config));
    applyThreads(plan);
    overlap = plan.overlap;
    parameters = parameterCounts(config);
  } else if (!assignments.empty()) {
    throw UserError("gantry info: --set needs --preset");
  }
  std::cout << fmt::format("gantry {}\nLibTorch {}\nintra-op threads: {}\nCUDA available: {}\n", GANTRY_VERSION,
                           TORCH_VERSION, at::get_num_threads(), torch::cuda::is_available() ? "yes" : "no");
  // Which BLAS the process really loaded (the libblas.so.3 alternative).
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> blas;
  for (std::string line; std::getline(maps, line);) {
    auto slash = line.find('/');
    if (slash == std::string::npos || line.find("blas", slash) == std::string::npos) continue;
    std::error_code ec;
    auto resolved = std::filesystem::canonical(line.substr(slash), ec);
    blas.insert(ec ? line.substr(slash) : resolved.string());
  }
  for (const auto& path : blas) std::cout << "BLAS: " << path << "\n";
  if (const auto kernels = blasKernels(); !kernels.empty()) {
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    std::cout << fmt::format(
        "OpenBLAS kernels (float32 products): {} ({})\n", kernels,
        coretype && *coretype ? fmt::format("OPENBLAS_CORETYPE={}", coretype) : std::string("picked for this CPU"));
    if (const auto faster = fasterBlasCoretype(); !faster.empty()) std::cout << slowKernelsNote(faster) << "\n";
  }
  if (int threads = blasThreads()) std::cout << "OpenBLAS threads: " << threads << "\n";
  // oneDNN runs the convolutions and, with precision = bf16, the bfloat16
  // products: natively where the CPU has bfloat16 dot products.
  const auto extensions = cpuVectorExtensions();
  const bool bf16 = std::count(extensions.begin(), extensions.end(), "avx512_bf16") +
                        std::count(extensions.begin(), extensions.end(), "amx_bf16") >
                    0;
  std::cout << fmt::format(
      "CPU vector extensions: {} (bfloat16 dot products: {})\n",
      extensions.empty() ? std::string("none of avx2, avx512f") : fmt::format("{}", fmt::join(extensions, " ")),
      bf16 ? "yes" : "no, precision = bf16 converts");
  if (!preset.empty()) {
    std::cout << "overlapped products: " << (overlap ? "on" : "off") << "\n";
    // What each step of a data-parallel run all-reduces (docs/distributed.md).
    std::cout << fmt::format("parameters: G {}, D {} ({:.3g} MB of float32 gradients for one update of each)\n",
                             parameters.generator, parameters.discriminator,
                             4e-6 * static_cast<double>(parameters.generator + parameters.discriminator));
  }
  std::cout << at::get_parallel_info();
}

}  // namespace gantry::app
