#pragma once

// The run report: one self-contained HTML page of one or more run folders
// (curves of every logged figure, the sample pictures over time, D's
// outputs and, for toy data, D over the data at each snapshot, the
// Jacobian's eigenvalues), readable offline and copied alone.
//
//   auto data = report::pageData({"runs/ring8-a", "runs/ring8-b"});
//   writeFileAtomic("ring8.html", report::pageHtml(data));
//
// The page's data is one JSON object, {"title", "generated", "runs": [run,
// ...]}, each run as runData() reads it; docs/report.md lists its keys.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::report {

/// Sample pictures, snapshots and spectra kept per run at most (evenly
/// spaced, always with the first and the last), so that a 100,000-step
/// run's page stays under 5 MB (docs/report.md has the measurement).
constexpr size_t kMaxPictures = 60;
constexpr size_t kMaxSnapshots = 40;

/// One run folder's data: "name" (unique in the page), "path", "facts"
/// (config's main keys, the starts' commits and machines, wall time,
/// steps/s), "config" (config.toml's text), "references" (the game's value
/// and D at equilibrium, when it fixes them), "metrics" and "evals"
/// (metrics.jsonl by columns; evaluations flattened to "metric.figure"),
/// "samples" (pictures as data: URIs), "snapshots" (snapshots.jsonl),
/// "jacobian" (jacobian.jsonl). Throws UserError naming the folder when it
/// holds no run, or a file that cannot be read.
nlohmann::json runData(const std::filesystem::path& run, const std::string& name);

/// The page's data for these runs, each named by its folder (with a
/// number added when two folders share a name).
nlohmann::json pageData(const std::vector<std::filesystem::path>& runs);

/// The page: the template of assets/report/ with uPlot, the page's script
/// and style and the data inlined.
std::string pageHtml(const nlohmann::json& data);

}  // namespace gantry::report
