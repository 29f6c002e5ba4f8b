#pragma once

#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <sys/types.h>
#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gantry::train {
class Trainer;
}

namespace gantry::test {

/// A fresh, empty temporary folder, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Sets (or, given nullptr, unsets) an environment variable for its scope,
/// restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// Result of running a command through the shell.
struct CommandResult {
  int exitCode = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs `command` with /bin/sh, capturing stdout and stderr.
CommandResult runCommand(const std::string& command);

/// Runs the gantry program with `args` (a shell fragment).
CommandResult runGantry(const std::string& args);

/// Starts the gantry program with `args` in the background, stdin from
/// /dev/null, stdout and stderr to files; its process id, or -1.
pid_t spawnGantry(const std::vector<std::string>& args, const std::filesystem::path& out,
                  const std::filesystem::path& err);

/// Waits up to `seconds` for the process; its wait status, or nullopt.
std::optional<int> waitFor(pid_t pid, double seconds);

/// A path in single quotes, for command lines.
std::string quoted(const std::filesystem::path& p);

/// Expects a failure with exactly one line on stderr, "gantry: error: ...",
/// that contains `needle`.
void expectOneLineError(const CommandResult& r, const std::string& needle);

/// Expects two lists of tensors (gradients, say) to be equal bit for bit,
/// including which entries are undefined.
void expectIdenticalTensors(const std::vector<torch::Tensor>& actual, const std::vector<torch::Tensor>& expected);

/// Writes `bytes` to `path`, replacing it.
void writeFile(const std::filesystem::path& path, const std::string& bytes);
std::string readFile(const std::filesystem::path& path);

/// Runs `load` and returns the gantry::UserError message it throws, failing
/// the test if it throws none.
template <typename Load>
std::string userErrorOf(Load load) {
  try {
    load();
  } catch (const UserError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a gantry::UserError";
  return "";
}

/// A float64 vector tensor of the given values (for hand-computed cases).
inline torch::Tensor f64(std::initializer_list<double> values) {
  return torch::tensor(std::vector<double>(values), torch::kFloat64);
}

/// A property of a chaotic training run, asserted over seeds rather than on
/// one trajectory: runs trial(seed) for seeds 1, 2, ..., `seeds` and stops as
/// soon as `needed` seeds have met the bar or too few are left to. Returns
/// how many met it (>= needed: the property holds). trial returns whether
/// its seed met the bar and should print its figures.
int seedsMeetingBar(int needed, int seeds, const std::function<bool(int seed)>& trial);

/// Folder of the MNIST IDX files fetched by scripts/setup (data/mnist in the
/// source tree, or $GANTRY_DATA/mnist).
std::filesystem::path mnistRoot();

/// A trainer of the preset with `key=value` assignments over it, built as
/// `gantry train` builds it (include gantry/train/Trainer.h to use it).
std::unique_ptr<train::Trainer> trainerOfPreset(const std::string& preset,
                                                const std::vector<std::string>& assignments = {});

/// `gantry sample` of a run into a .npy file, read back (undefined, and a
/// test failure, when it fails).
torch::Tensor samplesOf(const std::filesystem::path& run, const std::filesystem::path& out, int64_t n,
                        int64_t seed = 0);

/// Two classes of 16x16 RGB pictures below `root`: squares/ (a 6x6 orange
/// square at a random place on black) and dusk/ (dark blue with noise), 60
/// each; returns the per-channel mean of all their pixels, in [0, 1].
std::vector<double> writeImageFolder(const std::filesystem::path& root);

}  // namespace gantry::test
