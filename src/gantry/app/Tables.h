#pragma once

#include <string>
#include <vector>

namespace gantry::app {

/// The tables `gantry keys` and `gantry list` print, read from the schema and
/// the registries (and, as markdown, the tables of docs/reference.md).

/// Every config key by section: type, default, meaning and choices, and
/// whether it may change on resume.
std::string keysTable(bool markdown);

/// The extension points `gantry list` knows: objectives, penalties, rules,
/// models, metrics, datasets.
const std::vector<std::string>& registryKinds();
/// The members of one extension point (all when `kind` is empty): name, what
/// it is, where it comes from. UserError for an unknown kind.
std::string registryTable(const std::string& kind, bool markdown);

}  // namespace gantry::app
