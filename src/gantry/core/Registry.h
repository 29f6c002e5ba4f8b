#pragma once

#include "gantry/core/Error.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gantry {

/// What every registry entry says of itself: its config name, one line for
/// `gantry list` and the docs' tables, and where it comes from.
struct RegistryEntry {
  std::string name;
  std::string summary;
  std::string citation;  // "Author et al. Year, Title" or empty
};

/// The members of one extension point (objectives, penalties, update rules,
/// model families, metrics, datasets) by name. Config choices, `gantry list`,
/// help texts and the docs' tables are read from it, so a new member is its
/// own files plus the one line that adds it to its registry.
/// `Entry` derives from RegistryEntry.
template <typename Entry>
class Registry {
 public:
  /// `what` names the kind in messages, e.g. "objective".
  explicit Registry(std::string what) : what_(std::move(what)) {}

  Registry& add(Entry entry) {
    if (find(entry.name)) throw std::logic_error(what_ + " '" + entry.name + "' registered twice");
    entries_.push_back(std::move(entry));
    return *this;
  }
  /// The entry of that name, or null.
  const Entry* find(const std::string& name) const {
    for (const auto& entry : entries_)
      if (entry.name == name) return &entry;
    return nullptr;
  }
  /// The entry of that name; a UserError naming `origin` (e.g. "config key
  /// 'update'") and the choices for an unknown one.
  const Entry& require(const std::string& name, const std::string& origin) const {
    if (const auto* entry = find(name)) return *entry;
    throw UserError(
        fmt::format("unknown {} '{}' in {}; choose one of {}", what_, name, origin, fmt::join(names(), ", ")));
  }
  std::vector<std::string> names() const {
    std::vector<std::string> names;
    for (const auto& entry : entries_) names.push_back(entry.name);
    return names;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
  std::vector<Entry> entries_;
};

}  // namespace gantry
