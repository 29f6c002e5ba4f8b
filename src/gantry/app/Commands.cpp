#include "gantry/app/Commands.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/io/Npy.h"
#include "gantry/io/Png.h"
#include "gantry/train/Checkpoint.h"
#include "gantry/train/RunCallbacks.h"
#include "gantry/train/SampleRenderer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace gantry::app {

namespace {

std::atomic<bool> gInterrupted{false};

extern "C" void onInterrupt(int) { gInterrupted = true; }

Config resolveNewRunConfig(const TrainRequest& request) {
  Config config(trainingSchema());
  std::string preset = request.preset;
  Config fileConfig(trainingSchema());
  if (!request.configFile.empty()) {
    // The file may name its base preset; --preset overrides that.
    fileConfig.mergeToml(request.configFile);
    if (preset.empty()) preset = fileConfig.getString("preset");
  }
  if (preset.empty() && request.configFile.empty()) preset = defaultPresetName();
  if (!preset.empty()) applyPreset(config, preset);
  if (!request.configFile.empty()) config.mergeToml(request.configFile);
  if (!preset.empty()) config.set("preset", preset, "");
  for (const auto& assignment : request.assignments) config.setAssignment(assignment, "--set");
  if (request.steps) config.set("steps", *request.steps, "--steps");
  if (request.seed) config.set("seed", *request.seed, "--seed");
  return config;
}

Config readRunConfig(const RunFolder& run) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(run.config(), ec))
    throw UserError(
        fmt::format("{} is not a gantry run folder (no config.toml); check the path or train a new run "
                    "with --out",
                    run.root.string()));
  Config config(trainingSchema());
  config.mergeToml(run.config());
  return config;
}

/// Refuses a checkpoint written under another config: its weights would not
/// fit, or would silently mean something else.
void checkCheckpointMatches(const RunFolder& run, const Config& config) {
  Config stored(trainingSchema());
  stored.mergeTomlString(train::readCheckpointConfig(run.checkpoint()), run.checkpoint().string());
  for (const auto& key : trainingSchema().keys()) {
    if (isRunInvariantKey(key.name) || key.name == "preset") continue;
    const auto& a = stored.get(key.name);
    const auto& b = config.get(key.name);
    if (a != b)
      throw UserError(
          fmt::format("checkpoint {} was written with another config (key '{}' = {} there, {} in {}); "
                      "restore the run's config.toml or train a new run",
                      run.checkpoint().string(), key.name, formatValue(a), formatValue(b), run.config().string()));
  }
}

/// Drops metrics lines past the checkpoint's step: those steps are redone.
void trimMetrics(const RunFolder& run, int64_t step) {
  std::error_code ec;
  if (!std::filesystem::exists(run.metrics(), ec)) return;
  std::istringstream in(readTextFile(run.metrics()));
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > step)
      continue;
    kept += line + "\n";
  }
  writeFileAtomic(run.metrics(), kept);
}

torch::Tensor fixedLatents(const Config& config) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(config.getInt("seed")) + 7919);
  return latentPrior(config).sample(config.getInt("sample_count"), {}, generator);
}

int runTraining(const RunFolder& run, const Config& config, train::Trainer& trainer, bool quiet) {
  const int64_t total = config.getInt("steps");
  auto toy = toyDistribution(config);
  train::MetricsLogger metrics(run.metrics(), config.getInt("log_every"));
  train::SampleWriter samples(run.samples(), config.getInt("sample_every"), fixedLatents(config),
                              [toy](const torch::Tensor& s) { return train::renderSamples(s, toy.get()); });
  train::CheckpointWriter checkpoints(run.checkpoint(), config.getInt("checkpoint_every"), config.toToml());
  train::ProgressReporter progress(total, config.getInt("log_every"), metrics, ::isatty(STDOUT_FILENO) != 0);
  std::vector<train::Callback*> callbacks = {&metrics, &samples, &checkpoints};
  if (!quiet) callbacks.push_back(&progress);

  gInterrupted = false;
  auto previous = std::signal(SIGINT, onInterrupt);
  trainer.setStopFlag(&gInterrupted);
  trainer.run(total, callbacks);
  std::signal(SIGINT, previous);

  if (trainer.stopped()) {
    std::cerr << fmt::format(
        "gantry: interrupted at step {}; checkpoint saved; continue with: gantry train "
        "--resume {} --steps {}\n",
        trainer.steps(), run.root.string(), total);
    return 130;
  }
  if (!quiet)
    std::cout << fmt::format(
        "trained {} steps; run folder {}: config.toml, metrics.jsonl, checkpoint.pt, "
        "samples/latest.png\n",
        trainer.steps(), run.root.string());
  return 0;
}

int trainNew(const TrainRequest& request) {
  if (request.out.empty()) throw UserError("gantry train needs --out RUN_DIR (or --resume RUN_DIR)");
  auto config = resolveNewRunConfig(request);
  RunFolder run{request.out};
  std::error_code ec;
  if (std::filesystem::exists(run.config(), ec) || std::filesystem::exists(run.checkpoint(), ec))
    throw UserError(
        fmt::format("run folder {} already holds a run; continue it with --resume {} or choose "
                    "another --out",
                    run.root.string(), run.root.string()));
  // Everything that can fail on bad input (config, data) fails here, before
  // the run folder is created.
  auto trainer = buildTrainer(config);
  std::filesystem::create_directories(run.root, ec);
  if (ec) throw UserError(fmt::format("cannot create run folder {} ({})", run.root.string(), ec.message()));
  writeFileAtomic(run.config(), config.toToml());
  return runTraining(run, config, *trainer, request.quiet);
}

int trainResume(const TrainRequest& request) {
  if (!request.preset.empty() || !request.configFile.empty() || !request.assignments.empty() || request.seed ||
      !request.out.empty())
    throw UserError(
        "--resume continues a run with its own config; give only --steps (start a new run with --out "
        "to change the config)");
  RunFolder run{request.resume};
  auto config = readRunConfig(run);
  checkCheckpointMatches(run, config);
  if (request.steps) config.set("steps", *request.steps, "--steps");
  auto trainer = buildTrainer(config);
  train::readCheckpoint(run.checkpoint(), *trainer);
  if (trainer->steps() >= config.getInt("steps"))
    throw UserError(fmt::format("run {} is already at step {}; pass --steps greater than that to train on",
                                run.root.string(), trainer->steps()));
  trimMetrics(run, trainer->steps());
  writeFileAtomic(run.config(), config.toToml());
  return runTraining(run, config, *trainer, request.quiet);
}

}  // namespace

int train(const TrainRequest& request) { return request.resume.empty() ? trainNew(request) : trainResume(request); }

int sample(const SampleRequest& request) {
  if (request.count < 1) throw UserError("-n must be at least 1");
  auto ext = request.out.extension().string();
  if (ext != ".npy" && ext != ".png")
    throw UserError(fmt::format("--out {} must end in .npy (array) or .png (picture)", request.out.string()));
  RunFolder run{request.run};
  auto config = readRunConfig(run);
  checkCheckpointMatches(run, config);
  applyThreads(config);
  auto device = deviceFrom(config);
  auto generator = buildGenerator(config);
  train::readGeneratorWeights(run.checkpoint(), *generator);
  generator->to(device);
  generator->eval();

  auto prior = latentPrior(config);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(request.seed));
  std::vector<torch::Tensor> chunks;
  {
    torch::NoGradGuard guard;
    const int64_t chunk = 5000;
    for (int64_t done = 0; done < request.count; done += chunk) {
      auto z = prior.sample(std::min(chunk, request.count - done), torch::TensorOptions(device), rng);
      chunks.push_back(generator->forward(z).to(torch::kCPU, torch::kFloat32));
    }
  }
  auto samples = torch::cat(chunks);
  if (request.out.has_parent_path()) std::filesystem::create_directories(request.out.parent_path());
  if (ext == ".npy")
    io::writeNpy(request.out, samples);
  else
    io::writePng(request.out, train::renderSamples(samples, toyDistribution(config).get()));
  return 0;
}

void printPresets() {
  for (const auto& preset : presets())
    std::cout << fmt::format("{:<14} {}{}\n", preset.name, preset.description,
                             preset.name == defaultPresetName() ? " (default)" : "");
}

void printKeys() {
  for (const auto& key : trainingSchema().keys()) {
    std::string choices = key.choices.empty() ? "" : fmt::format(" [{}]", fmt::join(key.choices, "|"));
    std::cout << fmt::format("{:<17} {:<8} default {:<12} {}{}\n", key.name,
                             key.type == ConfigType::IntList ? "list" : typeName(key.type).substr(0, 8),
                             "'" + formatValue(key.defaultValue) + "'", key.help, choices);
  }
}

void printInfo() {
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
  std::cout << at::get_parallel_info();
}

}  // namespace gantry::app
