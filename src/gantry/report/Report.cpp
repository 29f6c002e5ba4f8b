#include "gantry/report/Report.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/objectives/Objective.h"
#include "gantry/report/Assets.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace gantry::report {

namespace {

using nlohmann::json;

std::string base64(const std::string& bytes) {
  static const char* const kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

/// A `.jsonl` file's lines; none when the file does not exist.
std::vector<std::string> textLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return lines;
  std::istringstream in(readTextFile(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

/// The lines that are JSON objects (a line cut short by a kill is skipped,
/// as resume drops it).
std::vector<json> jsonObjects(const std::vector<std::string>& lines) {
  std::vector<json> objects;
  for (const auto& line : lines) {
    auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) objects.push_back(std::move(j));
  }
  return objects;
}

std::vector<json> jsonLines(const std::filesystem::path& path) { return jsonObjects(textLines(path)); }

/// At most `most` (≥ 2) of them, evenly spaced, the first and last kept.
template <typename T>
std::vector<T> thinned(std::vector<T> items, size_t most) {
  if (items.size() <= most) return items;
  std::vector<T> kept;
  for (size_t i = 0; i < most; ++i) kept.push_back(std::move(items[i * (items.size() - 1) / (most - 1)]));
  return kept;
}

/// A figure to 6 significant digits: the page draws it, and 0.0256842 is 9
/// characters of JSON where the double is 19.
json shortened(const json& value) {
  if (!value.is_number_float()) return value;
  const double v = value.get<double>();
  if (!std::isfinite(v)) return json();
  // strtod, not stod: a subnormal (a learning rate decayed towards 0) reads
  // back with ERANGE, which stod throws on.
  return std::strtod(fmt::format("{:.6g}", v).c_str(), nullptr);
}

/// Bookkeeping, not figures: no chart of its own (wall time and steps/s are
/// in the facts; a metric's sample count and totals are its protocol).
bool isBookkeeping(const std::string& key) {
  const auto endsWith = [&](const std::string& tail) {
    return key.size() >= tail.size() && key.compare(key.size() - tail.size(), tail.size(), tail) == 0;
  };
  return key == "epoch" || key == "elapsed_s" || key == "eval_s" || endsWith(".samples") || endsWith("_total");
}

/// Rows of objects as columns: each key's values in row order, null where
/// a row lacks it. Only figures are kept (nested objects and arrays are
/// not curves).
json columns(const std::vector<json>& rows) {
  std::set<std::string> keys;
  for (const auto& row : rows)
    for (const auto& [key, value] : row.items())
      if (value.is_number() && !isBookkeeping(key)) keys.insert(key);
  json out = json::object();
  for (const auto& key : keys) {
    json column = json::array();
    for (const auto& row : rows)
      column.push_back(row.contains(key) && row[key].is_number() ? shortened(row[key]) : json());
    out[key] = std::move(column);
  }
  return out;
}

/// An evaluation line {"step", "eval": {"modes": {"modes_captured": 7, ...}}}
/// as {"step", "modes.modes_captured": 7, ...}.
json flattenedEvaluation(const json& line) {
  json row = {{"step", line["step"]}};
  for (const auto& [metric, figures] : line["eval"].items()) {
    if (figures.is_number()) row[metric] = figures;
    if (!figures.is_object()) continue;
    for (const auto& [figure, value] : figures.items())
      if (value.is_number()) row[metric + "." + figure] = value;
  }
  if (line.contains("eval_s")) row["eval_s"] = line["eval_s"];
  return row;
}

/// The value of `key` in any table of the config, or null.
json configValue(const toml::table& config, const std::string& key) {
  const toml::node* found = config.get(key);
  if (found && found->is_table()) found = nullptr;  // [model] the table, not model the key
  for (const auto& [name, node] : config)
    if (!found && node.is_table()) found = node.as_table()->get(key);
  if (!found) return json();
  if (auto v = found->value<int64_t>()) return *v;
  if (auto v = found->value<double>()) return *v;
  if (auto v = found->value<bool>()) return *v;
  if (auto v = found->value<std::string>()) return *v;
  return json();
}

/// Wall time over the run's starts: elapsed_s restarts with each process,
/// so it is summed over the stretches where it grows.
double wallSeconds(const std::vector<json>& training) {
  double total = 0, last = 0;
  for (const auto& row : training) {
    if (!row.contains("elapsed_s") || !row["elapsed_s"].is_number()) continue;
    const double t = row["elapsed_s"].get<double>();
    if (t < last) total += last;
    last = t;
  }
  return total + last;
}

json facts(const toml::table& config, const std::vector<json>& training, const std::vector<json>& starts) {
  json f = json::object();
  for (const char* key : {"preset", "seed", "steps", "dataset", "model", "conditional", "objective", "penalty",
                          "update", "d_steps", "optimizer", "lr_g", "lr_d", "batch_size", "precision"}) {
    auto value = configValue(config, key);
    if (!value.is_null() && value != "none" && value != "") f[key] = value;
  }
  if (!training.empty() && training.back().contains("step")) f["steps_done"] = training.back()["step"];
  const double wall = wallSeconds(training);
  f["wall_s"] = std::round(wall * 10) / 10;
  if (wall > 0 && f.contains("steps_done"))
    f["steps_per_s"] = std::round(f["steps_done"].get<double>() / wall * 10) / 10;
  // The starts (facts.jsonl): the latest's build and machine, and every
  // commit the run was trained with.
  if (!starts.empty()) {
    const auto& last = starts.back();
    for (const char* key : {"gantry", "libtorch", "machine", "openblas_coretype", "openblas_kernels", "host"})
      if (last.contains(key) && !last[key].is_null()) f[key] = last[key];
    std::vector<std::string> commits;
    for (const auto& start : starts)
      if (start.contains("commit") && start["commit"].is_string() &&
          std::find(commits.begin(), commits.end(), start["commit"].get<std::string>()) == commits.end())
        commits.push_back(start["commit"].get<std::string>());
    f["gantry_commit"] = fmt::format("{}", fmt::join(commits, ", "));
    f["starts"] = starts.size();
  }
  return f;
}

json references(const toml::table& config) {
  auto name = configValue(config, "objective");
  json out = json::object();
  if (!name.is_string()) return out;
  auto objective = objectives::makeObjective(name.get<std::string>());
  if (!objective) return out;
  const auto equilibrium = objective->equilibrium();
  if (equilibrium.value) out["value"] = *equilibrium.value;
  if (equilibrium.d) out["d"] = *equilibrium.d;
  return out;
}

/// samples/step_NNNNNNNN.png in step order, as data: URIs.
json samplePictures(const std::filesystem::path& folder) {
  std::vector<std::pair<int64_t, std::filesystem::path>> pictures;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    int64_t step = 0;
    char tail = 0;
    if (name.rfind("step_", 0) == 0 && std::sscanf(name.c_str(), "step_%ld.pn%c", &step, &tail) == 2 && tail == 'g')
      pictures.emplace_back(step, entry.path());
  }
  std::sort(pictures.begin(), pictures.end());
  json out = json::array();
  for (const auto& [step, path] : thinned(pictures, kMaxPictures)) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw UserError(fmt::format("cannot read {}", path.string()));
    out.push_back({{"step", step}, {"src", "data:image/png;base64," + base64(bytes)}});
  }
  return out;
}

json jacobianSpectra(const std::filesystem::path& path) {
  json out = json::array();
  for (auto& line : jsonObjects(thinned(textLines(path), kMaxSnapshots)))
    if (line.contains("step") && line.contains("eigenvalues"))
      out.push_back({{"step", line["step"]}, {"eigenvalues", line["eigenvalues"]}});
  return out;
}

std::string htmlEscaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Replaces each {{NAME}} of the template by its text, in one pass, so no
/// inserted text is read for placeholders again.
std::string filled(const std::string& page, const std::map<std::string, std::string>& parts) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = page.find("{{", at);
    const size_t close = open == std::string::npos ? open : page.find("}}", open);
    if (close == std::string::npos) break;
    auto part = parts.find(page.substr(open + 2, close - open - 2));
    out.append(page, at, open - at);
    if (part == parts.end()) {
      out.append("{{");
      at = open + 2;
      continue;
    }
    out += part->second;
    at = close + 2;
  }
  out.append(page, at, std::string::npos);
  return out;
}

std::string utcNow() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

json runData(const std::filesystem::path& run, const std::string& name) {
  const auto configPath = run / "config.toml";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(configPath, ec))
    throw UserError(
        fmt::format("{} holds no run (no config.toml): give a folder that gantry train wrote", run.string()));
  const auto configText = readTextFile(configPath);
  toml::table config;
  try {
    config = toml::parse(configText, configPath.string());
  } catch (const toml::parse_error& e) {
    throw UserError(
        fmt::format("{}: not valid TOML ({}); the run folder is damaged", configPath.string(), e.description()));
  }
  std::vector<json> training, evaluations;
  for (auto& line : jsonLines(run / "metrics.jsonl")) {
    // A line without a numeric step is no point of a curve (a hand-edited
    // or foreign file): left out, as a line that is not JSON is.
    if (!line.contains("step") || !line["step"].is_number()) continue;
    // A population's page charts the members' means (its line without
    // "member"; docs/population.md).
    if (line.contains("member")) continue;
    if (line.contains("eval") && line["eval"].is_object())
      evaluations.push_back(flattenedEvaluation(line));
    else
      training.push_back(std::move(line));
  }
  json data = {{"name", name},
               {"path", std::filesystem::absolute(run, ec).string()},
               {"facts", facts(config, training, jsonLines(run / "facts.jsonl"))},
               {"config", configText},
               {"references", references(config)},
               {"metrics", columns(training)},
               {"evals", columns(evaluations)},
               {"samples", samplePictures(run / "samples")},
               {"snapshots", jsonObjects(thinned(textLines(run / "snapshots.jsonl"), kMaxSnapshots))}};
  auto spectra = jacobianSpectra(run / "jacobian.jsonl");
  if (!spectra.empty()) data["jacobian"] = std::move(spectra);
  return data;
}

json pageData(const std::vector<std::filesystem::path>& runs) {
  json data = {{"generated", utcNow()}, {"runs", json::array()}};
  std::map<std::string, int> seen;
  std::vector<std::string> names;
  for (const auto& run : runs) {
    auto name = std::filesystem::absolute(run).lexically_normal().filename().string();
    if (name.empty()) name = std::filesystem::absolute(run).lexically_normal().parent_path().filename().string();
    if (++seen[name] > 1) name += fmt::format(" ({})", seen[name]);
    names.push_back(name);
    data["runs"].push_back(runData(run, name));
  }
  data["title"] = fmt::format("gantry report: {}", fmt::join(names, ", "));
  return data;
}

std::string pageHtml(const json& data) {
  auto text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  // Inside <script type="application/json">, "</script" would end the
  // element and "<!--" change how it is read: every "<" (only ever inside
  // a JSON string) as its escape.
  for (size_t at = 0; (at = text.find('<', at)) != std::string::npos; at += 6) text.replace(at, 1, "\\u003c");
  return filled(assetText(kPageTemplate), {{"TITLE", htmlEscaped(data.value("title", "gantry report"))},
                                           {"UPLOT_CSS", assetText(kChartStyle)},
                                           {"REPORT_CSS", assetText(kPageStyle)},
                                           {"UPLOT_JS", assetText(kChartScript)},
                                           {"DATA", text},
                                           {"REPORT_JS", assetText(kPageScript)}});
}

}  // namespace gantry::report
