#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::app {

/// What `gantry train` was asked to do (already split into fields by the CLI).
struct TrainRequest {
  std::string preset;      // empty: none given
  std::string configFile;  // empty: none given
  std::filesystem::path out;
  std::filesystem::path resume;  // non-empty: continue this run folder
  std::optional<int64_t> steps;
  std::optional<int64_t> seed;
  std::vector<std::string> assignments;  // --set key=value
  bool quiet = false;
};

/// Trains a new run, or resumes one. Returns the process exit code (130 when
/// interrupted). Throws UserError on bad input, before the run folder is
/// touched where the input can be checked up front.
int train(const TrainRequest& request);

struct SampleRequest {
  std::filesystem::path run;
  int64_t count = 0;
  std::filesystem::path out;  // .npy or .png
  int64_t seed = 0;
};

/// Draws samples from a run's latest checkpoint into .npy (float32, shape
/// (count, sample shape...)) or .png (a grid or plot).
int sample(const SampleRequest& request);

/// Files of a run folder.
struct RunFolder {
  std::filesystem::path root;
  std::filesystem::path config() const { return root / "config.toml"; }
  std::filesystem::path checkpoint() const { return root / "checkpoint.pt"; }
  std::filesystem::path metrics() const { return root / "metrics.jsonl"; }
  std::filesystem::path samples() const { return root / "samples"; }
};

/// Prints the presets / the config keys / the build (torch version, threads,
/// BLAS, CUDA).
void printPresets();
void printKeys();
void printInfo();

}  // namespace gantry::app
