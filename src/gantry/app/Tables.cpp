#include "gantry/app/Tables.h"

#include "gantry/app/Settings.h"
#include "gantry/core/Error.h"
#include "gantry/data/Datasets.h"
#include "gantry/eval/MetricRegistry.h"
#include "gantry/models/Conditioning.h"
#include "gantry/models/ModelFamily.h"
#include "gantry/models/Stabilisers.h"
#include "gantry/objectives/Objective.h"
#include "gantry/objectives/Penalty.h"
#include "gantry/train/UpdateRule.h"

#include <fmt/format.h>

#include <algorithm>

namespace gantry::app {

namespace {

std::string shortType(const ConfigKey& key) {
  switch (key.type) {
    case ConfigType::Int:
      return "integer";
    case ConfigType::Float:
      return "number";
    case ConfigType::Bool:
      return "bool";
    case ConfigType::String:
      return "string";
    case ConfigType::IntList:
      return "list";
    case ConfigType::FloatList:
      return "number list";
  }
  return "?";
}

/// A markdown cell: no line breaks, pipes escaped.
std::string cell(std::string text) {
  for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) text.replace(at, 1, "\\|");
  return text;
}

struct Row {
  std::string name, summary, citation;
};

template <typename Entry>
std::vector<Row> rowsOf(const Registry<Entry>& registry) {
  std::vector<Row> rows;
  for (const auto& entry : registry.entries()) rows.push_back({entry.name, entry.summary, entry.citation});
  return rows;
}

std::vector<Row> rowsOfKind(const std::string& kind) {
  if (kind == "objectives") return rowsOf(objectives::objectives());
  if (kind == "penalties") return rowsOf(objectives::penalties());
  if (kind == "rules") return rowsOf(train::updateRules());
  if (kind == "models") return rowsOf(models::modelFamilies());
  if (kind == "conditionings") return rowsOf(models::conditionings());
  if (kind == "batch-features") return rowsOf(models::batchFeatureKinds());
  if (kind == "metrics") return rowsOf(eval::metrics());
  if (kind == "datasets") return rowsOf(data::datasets());
  throw UserError(
      fmt::format("gantry list: unknown kind '{}'; choose one of {}", kind, fmt::join(registryKinds(), ", ")));
}

/// The config key that chooses a member of the kind.
std::string keyOfKind(const std::string& kind) {
  if (kind == "objectives") return "objective";
  if (kind == "penalties") return "penalty";
  if (kind == "rules") return "update";
  if (kind == "models") return "model";
  if (kind == "conditionings") return "conditional";
  if (kind == "batch-features") return "minibatch_kernels, minibatch_std_group";
  if (kind == "metrics") return "eval_metrics, gantry eval --metrics";
  return "dataset";
}

}  // namespace

std::string keysTable(bool markdown) {
  const auto& schema = trainingSchema();
  std::string out;
  for (const auto& section : schema.sections()) {
    const std::string title = section.empty() ? "(top level)" : "[" + section + "]";
    if (markdown)
      out += fmt::format("\n### {}\n\n| key | type | default | meaning | on resume |\n|---|---|---|---|---|\n", title);
    else
      out += title + "\n";
    for (const auto& key : schema.keys()) {
      if (key.section != section) continue;
      const std::string choices = key.choices.empty() ? "" : fmt::format(" [{}]", fmt::join(key.choices, "|"));
      const auto value = formatValue(key.defaultValue);
      if (markdown)
        out += fmt::format("| `{}` | {} | {} | {}{} | {} |\n", key.name, shortType(key),
                           value.empty() ? "(empty)" : "`" + value + "`", cell(key.help), cell(choices),
                           key.resumable ? "may change" : "fixed");
      else
        out += fmt::format("  {:<22} {:<8} default {:<14} {}{}{}\n", key.name, shortType(key),
                           "'" + formatValue(key.defaultValue) + "'", key.help, choices,
                           key.resumable ? " (may change on resume)" : "");
    }
  }
  return out;
}

const std::vector<std::string>& registryKinds() {
  static const std::vector<std::string> kinds = {"objectives",    "penalties",      "rules",   "models",
                                                 "conditionings", "batch-features", "metrics", "datasets"};
  return kinds;
}

std::string registryTable(const std::string& kind, bool markdown) {
  if (kind.empty()) {
    std::string all;
    for (const auto& k : registryKinds()) all += registryTable(k, markdown);
    return all;
  }
  const auto rows = rowsOfKind(kind);
  std::string out;
  if (markdown) {
    out += fmt::format("\n### {} (`{}`)\n\n| name | what | source |\n|---|---|---|\n", kind, keyOfKind(kind));
    for (const auto& row : rows)
      out += fmt::format("| `{}` | {} | {} |\n", row.name, cell(row.summary), cell(row.citation));
    return out;
  }
  out += kind + " (" + keyOfKind(kind) + ")\n";
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.name.size());
  for (const auto& row : rows)
    out += fmt::format("  {:<{}}  {}{}\n", row.name, width, row.summary,
                       row.citation.empty() ? "" : " (" + row.citation + ")");
  return out;
}

}  // namespace gantry::app
