#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gantry::app {

/// `gantry study mode-collapse`: each method on each 2-d mixture under the
/// PacGAN protocol (the ring8-pacgan and grid25-pacgan presets), over
/// seeds 1..N; modes captured, % high quality and reverse KL per run, then
/// mean ± standard error per method beside the published tables, as
/// markdown (docs/mode-collapse.md is its output).
struct StudyRequest {
  std::string study;  // mode-collapse
  std::filesystem::path out;
  int64_t seeds = 10;
  std::optional<int64_t> steps;      // default: the presets'
  std::vector<std::string> methods;  // empty: all
  std::vector<std::string> datasets = {"ring8", "grid25"};
  bool quiet = false;
  int jobs = 1;  // runs trained at once, each by a process of its own
  /// A worker of `jobs`: this process trains the runs k, k + N, k + 2N, ...
  /// of the table's order and writes no page (k = first, N = second).
  std::optional<std::pair<int, int>> shard;
};

/// Runs what is missing (a finished run is read back; an interrupted one
/// resumes), with `jobs` worker processes when more than one, then writes
/// OUT/results.jsonl, OUT/mode-collapse.md and the pictures it shows.
/// Returns the exit code.
int study(const StudyRequest& request);

/// The method names `--methods` takes, in the table's order.
std::vector<std::string> studyMethods();

}  // namespace gantry::app
