#include "gantry/app/RunFolder.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Error.h"
#include "gantry/core/Finite.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::app {

bool samePath(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ecA, ecB;
  const auto first = std::filesystem::weakly_canonical(a, ecA), second = std::filesystem::weakly_canonical(b, ecB);
  return !ecA && !ecB && first == second;
}

bool isInside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  std::error_code ecA, ecB;
  const auto inner = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ecA), ecA);
  const auto outer = std::filesystem::weakly_canonical(std::filesystem::absolute(folder, ecB), ecB);
  if (ecA || ecB) return false;
  const auto relative = inner.lexically_relative(outer);
  return !relative.empty() && *relative.begin() != "..";
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

void checkCheckpointMatches(const RunFolder& run, const Config& config, train::CheckpointReader& checkpoint) {
  Config stored(trainingSchema());
  stored.mergeTomlString(checkpoint.config(), run.checkpoint().string());
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

TrainedGenerator loadTrainedPopulation(const RunFolder& run, bool average) {
  auto config = readRunConfig(run);
  train::CheckpointReader checkpoint(run.checkpoint());
  checkCheckpointMatches(run, config, checkpoint);
  const auto settings = readSettings(config);
  // As many classes as the run's generator had (an image folder may have
  // changed since), and the threads its training had.
  const int64_t classes = std::max<int64_t>(checkpoint.generatorClasses(), 1);
  const bool conditioned = settings.model.conditional != "none";
  applyThreads(threadPlan(settings, workloadOf(config, conditioned ? classes : 1)));
  auto generator = buildGenerator(config, classes);
  checkpoint.readGenerator(*generator, average);
  // Checkpoints are never written non-finite now; older gantry wrote them.
  if (firstNonFinite(generator->parameters()) >= 0)
    throw UserError(
        fmt::format("checkpoint {} holds a generator with NaN or infinite weights (a diverged run); "
                    "its samples would be meaningless: train it again",
                    run.checkpoint().string()));
  generator->to(deviceOf(settings));
  generator->eval();
  return {std::move(config), std::move(generator)};
}

void requireOneGan(const Config& config, const std::string& source, const std::string& tool) {
  if (const int64_t population = config.getInt("population"); population > 1)
    throw UserError(
        fmt::format("{} holds a population of {} GANs (population = {}); for {}, train the member's "
                    "seed as a run of its own (docs/population.md)",
                    source, population, population, tool));
}

TrainedGenerator loadTrainedGenerator(const RunFolder& run, bool average, std::optional<int64_t> member) {
  auto trained = loadTrainedPopulation(run, average);
  const int64_t members = trained.generator->members();
  if (members == 1) {
    if (member)
      throw UserError(
          fmt::format("--member picks one GAN of a population; {} trained one (population = 1): leave "
                      "out --member",
                      run.root.string()));
    return trained;
  }
  if (!member)
    throw UserError(fmt::format("{} trained {} GANs (population = {}): choose one with --member 0..{}",
                                run.root.string(), members, members, members - 1));
  if (*member < 0 || *member >= members)
    throw UserError(
        fmt::format("--member {} is not a member of {}: choose one in 0..{}", *member, run.root.string(), members - 1));
  auto generator = trained.generator->member(*member);
  generator->eval();
  return {std::move(trained.config), std::move(generator)};
}

}  // namespace gantry::app
