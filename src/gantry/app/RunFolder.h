#pragma once

#include "gantry/train/Checkpoint.h"

#include "gantry/core/Config.h"
#include "gantry/models/Generator.h"

#include <filesystem>
#include <memory>
#include <optional>

namespace gantry::app {

/// Files of a run folder.
struct RunFolder {
  std::filesystem::path root;
  std::filesystem::path config() const { return root / "config.toml"; }
  std::filesystem::path checkpoint() const { return root / "checkpoint.pt"; }
  std::filesystem::path metrics() const { return root / "metrics.jsonl"; }
  std::filesystem::path samples() const { return root / "samples"; }
  std::filesystem::path snapshots() const { return root / "snapshots.jsonl"; }  // the report's, per picture
  std::filesystem::path jacobian() const { return root / "jacobian.jsonl"; }    // jacobian_every
  std::filesystem::path facts() const { return root / "facts.jsonl"; }          // each start's build and machine
  std::filesystem::path report() const { return root / "report.html"; }
};

/// Whether two paths name one file, after links and `..` (the outputs of a
/// command that would overwrite its inputs). A path that cannot be resolved
/// (a loop of links) is no other path.
bool samePath(const std::filesystem::path& a, const std::filesystem::path& b);

/// Whether `path` is `folder` or lies below it, after links and `..`.
bool isInside(const std::filesystem::path& path, const std::filesystem::path& folder);

/// The run's config.toml. Throws UserError when the folder holds no run.
Config readRunConfig(const RunFolder& run);

/// Refuses (UserError naming the first differing key) the run's checkpoint
/// when it was written under another config: its weights would not fit, or
/// would silently mean something else.
void checkCheckpointMatches(const RunFolder& run, const Config& config, train::CheckpointReader& checkpoint);

/// The run's config (checked against its checkpoint) and its trained
/// generator, in eval mode on the config's device: the trained weights, or
/// with `average` the average of them the run kept (g_ema).
struct TrainedGenerator {
  Config config;
  std::shared_ptr<models::Generator> generator;
};
/// A population's run (population = N, docs/population.md) gives its member
/// `member` as a generator of its own, and refuses (UserError naming
/// --member) to be read without one; a run of one GAN refuses a member.
TrainedGenerator loadTrainedGenerator(const RunFolder& run, bool average = false,
                                      std::optional<int64_t> member = std::nullopt);
/// Refuses (UserError naming `source`) the config of a population's run
/// (population = N) to `tool`, which reads one GAN's two players at once.
void requireOneGan(const Config& config, const std::string& source, const std::string& tool);
/// The run's generator as trained: for a population's run, all its members
/// stacked (Model::members, Generator::member).
TrainedGenerator loadTrainedPopulation(const RunFolder& run, bool average = false);

}  // namespace gantry::app
