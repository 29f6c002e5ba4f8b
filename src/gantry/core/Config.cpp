#include "gantry/core/Config.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace gantry {

std::string typeName(ConfigType type) {
  switch (type) {
    case ConfigType::Int:
      return "an integer";
    case ConfigType::Float:
      return "a number";
    case ConfigType::Bool:
      return "true or false";
    case ConfigType::String:
      return "a string";
    case ConfigType::IntList:
      return "a comma-separated list of integers";
    case ConfigType::FloatList:
      return "a comma-separated list of numbers";
  }
  return "?";
}

std::string formatValue(const ConfigValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const std::vector<int64_t>& v) const { return fmt::format("{}", fmt::join(v, ",")); }
    std::string operator()(const std::vector<double>& v) const { return fmt::format("{}", fmt::join(v, ",")); }
  };
  return std::visit(Visitor{}, value);
}

namespace {

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool parseInt(const std::string& text, int64_t& out) {
  auto t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

bool parseFloat(const std::string& text, double& out) {
  auto t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(t.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
  out = v;
  return true;
}

/// Every entry between commas, the last included: "128,,128" and "128,"
/// are slips of the keyboard, not lists of two and one. Empty text is the
/// empty list (which an IntList's validation refuses).
template <typename T>
bool parseList(const std::string& text, std::vector<T>& list, bool (*parseEntry)(const std::string&, T&)) {
  if (trim(text).empty()) return true;
  for (size_t start = 0;;) {
    const size_t comma = text.find(',', start);
    T v;
    if (!parseEntry(text.substr(start, comma - start), v)) return false;
    list.push_back(v);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

std::string where(const std::string& origin) { return origin.empty() ? "" : " (" + origin + ")"; }

bool hasMaximum(const ConfigKey& key) { return key.maximum < 1e300; }

bool inRange(const ConfigKey& key, double v) {
  if (key.minimumExclusive ? !(v > key.minimum) : !(v >= key.minimum)) return false;
  if (key.maximumExclusive ? !(v < key.maximum) : !(v <= key.maximum)) return false;
  return true;
}

/// "at least 1", "greater than 0", "in (0, 1]".
std::string rangeText(const ConfigKey& key) {
  if (!hasMaximum(key)) return fmt::format("{} {}", key.minimumExclusive ? "greater than" : "at least", key.minimum);
  return fmt::format("in {}{}, {}{}", key.minimumExclusive ? "(" : "[", key.minimum, key.maximum,
                     key.maximumExclusive ? ")" : "]");
}

}  // namespace

void ConfigSchema::add(ConfigKey key) { keys_.push_back(std::move(key)); }

const ConfigKey* ConfigSchema::find(const std::string& name) const {
  auto dot = name.find('.');
  const std::string bare = dot == std::string::npos ? name : name.substr(dot + 1);
  for (const auto& key : keys_)
    if (key.name == bare) return dot == std::string::npos || name.substr(0, dot) == key.section ? &key : nullptr;
  return nullptr;
}

std::vector<std::string> ConfigSchema::sections() const {
  std::vector<std::string> sections;
  for (const auto& key : keys_)
    if (std::find(sections.begin(), sections.end(), key.section) == sections.end()) sections.push_back(key.section);
  return sections;
}

const ConfigKey& ConfigSchema::require(const std::string& name, const std::string& origin) const {
  if (const auto* key = find(name)) return *key;
  auto dot = name.find('.');
  if (dot != std::string::npos)
    if (const auto* key = find(name.substr(dot + 1)))
      throw UserError(fmt::format("config key '{}'{} belongs in section [{}], not [{}]", key->name, where(origin),
                                  key->section, name.substr(0, dot)));
  throw UserError(
      fmt::format("unknown config key '{}'{}; run 'gantry keys' to list the valid keys", name, where(origin)));
}

ConfigValue ConfigSchema::parse(const std::string& name, const std::string& text, const std::string& origin) const {
  const auto& key = require(name, origin);
  auto bad = [&]() {
    return UserError(
        fmt::format("config key '{}'{} expects {}, got '{}'", name, where(origin), typeName(key.type), text));
  };
  ConfigValue value;
  switch (key.type) {
    case ConfigType::Int: {
      int64_t v;
      if (!parseInt(text, v)) throw bad();
      value = v;
      break;
    }
    case ConfigType::Float: {
      double v;
      if (!parseFloat(text, v)) throw bad();
      value = v;
      break;
    }
    case ConfigType::Bool: {
      auto t = trim(text);
      if (t == "true" || t == "1" || t == "yes")
        value = true;
      else if (t == "false" || t == "0" || t == "no")
        value = false;
      else
        throw bad();
      break;
    }
    case ConfigType::String:
      value = trim(text);
      break;
    case ConfigType::IntList: {
      std::vector<int64_t> list;
      if (!parseList(text, list, parseInt)) throw bad();
      value = list;
      break;
    }
    case ConfigType::FloatList: {
      std::vector<double> list;
      if (!parseList(text, list, parseFloat)) throw bad();
      value = list;
      break;
    }
  }
  validate(name, value, origin);
  return value;
}

void ConfigSchema::validate(const std::string& name, const ConfigValue& value, const std::string& origin) const {
  const auto& key = require(name, origin);
  auto fail = [&](const std::string& what) {
    throw UserError(fmt::format("config key '{}'{} {}", name, where(origin), what));
  };
  switch (key.type) {
    case ConfigType::Int: {
      if (!std::holds_alternative<int64_t>(value)) fail("expects " + typeName(key.type));
      if (!inRange(key, static_cast<double>(std::get<int64_t>(value))))
        fail(fmt::format("must be {}, got {}", rangeText(key), formatValue(value)));
      break;
    }
    case ConfigType::Float: {
      if (!std::holds_alternative<double>(value)) fail("expects " + typeName(key.type));
      double v = std::get<double>(value);
      if (!std::isfinite(v) || !inRange(key, v))
        fail(fmt::format("must be a finite number {}, got {}", rangeText(key), formatValue(value)));
      break;
    }
    case ConfigType::Bool:
      if (!std::holds_alternative<bool>(value)) fail("expects " + typeName(key.type));
      break;
    case ConfigType::String: {
      if (!std::holds_alternative<std::string>(value)) fail("expects " + typeName(key.type));
      const auto& s = std::get<std::string>(value);
      if (!key.choices.empty() && std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end()) {
        std::vector<std::string> shown;
        for (const auto& c : key.choices) shown.push_back(c.empty() ? "'' (none)" : c);
        fail(fmt::format("must be one of {}, got '{}'", fmt::join(shown, " | "), s));
      }
      break;
    }
    case ConfigType::IntList: {
      if (!std::holds_alternative<std::vector<int64_t>>(value)) fail("expects " + typeName(key.type));
      if (std::get<std::vector<int64_t>>(value).empty()) fail("needs at least one entry, got an empty list");
      for (auto v : std::get<std::vector<int64_t>>(value))
        if (!inRange(key, static_cast<double>(v)))
          fail(fmt::format("entries must be {}, got {}", rangeText(key), formatValue(value)));
      break;
    }
    case ConfigType::FloatList: {
      if (!std::holds_alternative<std::vector<double>>(value)) fail("expects " + typeName(key.type));
      for (auto v : std::get<std::vector<double>>(value))
        if (!std::isfinite(v) || !inRange(key, v))
          fail(fmt::format("entries must be finite numbers {}, got {}", rangeText(key), formatValue(value)));
      break;
    }
  }
}

Config::Config(const ConfigSchema& schema) : schema_(&schema) {
  for (const auto& key : schema.keys()) values_[key.name] = key.defaultValue;
}

void Config::setText(const std::string& name, const std::string& text, const std::string& origin) {
  values_[schema_->require(name, origin).name] = schema_->parse(name, text, origin);
}

void Config::setAssignment(const std::string& assignment, const std::string& origin) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || trim(assignment.substr(0, eq)).empty())
    throw UserError(fmt::format("'{}'{} is not of the form key=value", assignment, where(origin)));
  setText(trim(assignment.substr(0, eq)), assignment.substr(eq + 1), origin);
}

void Config::set(const std::string& name, ConfigValue value, const std::string& origin) {
  schema_->validate(name, value, origin);
  values_[schema_->require(name, origin).name] = std::move(value);
}

namespace {

/// A TOML number as a double: floats, and integers as a valid float.
std::optional<double> tomlNumber(const toml::node& node) {
  if (node.is_integer() || node.is_floating_point()) return node.value<double>();
  return std::nullopt;
}

ConfigValue fromToml(const ConfigKey& key, const toml::node& node, const std::string& origin) {
  auto bad = [&]() {
    return UserError(fmt::format("config key '{}' ({}) expects {}", key.name, origin, typeName(key.type)));
  };
  switch (key.type) {
    case ConfigType::Int:
      if (auto v = node.value_exact<int64_t>()) return *v;
      throw bad();
    case ConfigType::Float:
      if (auto v = tomlNumber(node)) return *v;
      throw bad();
    case ConfigType::Bool:
      if (auto v = node.value_exact<bool>()) return *v;
      throw bad();
    case ConfigType::String:
      if (auto v = node.value_exact<std::string>()) return *v;
      throw bad();
    case ConfigType::IntList: {
      std::vector<int64_t> list;
      if (const auto* arr = node.as_array()) {
        for (const auto& item : *arr) {
          auto v = item.value_exact<int64_t>();
          if (!v) throw bad();
          list.push_back(*v);
        }
        return list;
      }
      if (auto v = node.value_exact<int64_t>()) return std::vector<int64_t>{*v};
      throw bad();
    }
    case ConfigType::FloatList: {
      std::vector<double> list;
      if (const auto* arr = node.as_array()) {
        for (const auto& item : *arr) {
          auto v = tomlNumber(item);
          if (!v) throw bad();
          list.push_back(*v);
        }
        return list;
      }
      if (auto v = tomlNumber(node)) return std::vector<double>{*v};
      throw bad();
    }
  }
  throw bad();
}

}  // namespace

void Config::mergeTomlString(const std::string& text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw UserError(fmt::format("config file {} does not parse at line {}: {}; fix the TOML syntax", origin,
                                e.source().begin.line, std::string(e.description())));
  }
  // A key given flat and in its section is one key twice, which TOML
  // cannot see: refused, as TOML refuses a key written twice, since which
  // value won would depend on the order toml++ keeps, not on the file's.
  std::map<std::string, std::string> spelled;  // key name -> as the file gives it
  auto take = [&](const std::string& spelling, const toml::node& value) {
    const auto& key = schema_->require(spelling, origin);
    if (auto [at, fresh] = spelled.try_emplace(key.name, spelling); !fresh)
      throw UserError(fmt::format("config key '{}' ({}) is given twice, as '{}' and as '{}'; keep one", key.name,
                                  origin, at->second, spelling));
    set(key.name, fromToml(key, value, origin), origin);
  };
  for (const auto& [k, node] : table) {
    std::string name(k.str());
    if (const auto* section = node.as_table()) {
      // [section] key = value: the key must be of that section.
      for (const auto& [inner, value] : *section) take(name + "." + std::string(inner.str()), value);
      continue;
    }
    take(name, node);
  }
}

void Config::mergeToml(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError(fmt::format("config file {} not found; check the path given to --config", path.string()));
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) throw UserError(fmt::format("config file {} cannot be read", path.string()));
  mergeTomlString(ss.str(), path.string());
}

const ConfigValue& Config::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end())
    if (const auto* key = schema_->find(name)) it = values_.find(key->name);
  if (it == values_.end()) throw std::logic_error("config key not in schema: " + name);
  return it->second;
}

int64_t Config::getInt(const std::string& name) const { return std::get<int64_t>(get(name)); }
double Config::getFloat(const std::string& name) const { return std::get<double>(get(name)); }
bool Config::getBool(const std::string& name) const { return std::get<bool>(get(name)); }
const std::string& Config::getString(const std::string& name) const { return std::get<std::string>(get(name)); }
const std::vector<int64_t>& Config::getIntList(const std::string& name) const {
  return std::get<std::vector<int64_t>>(get(name));
}
const std::vector<double>& Config::getFloatList(const std::string& name) const {
  return std::get<std::vector<double>>(get(name));
}

std::string Config::toToml() const {
  std::string out;
  // Keys without a section first: TOML puts every key after a table header
  // into that table.
  auto sections = schema_->sections();
  std::stable_partition(sections.begin(), sections.end(), [](const std::string& s) { return s.empty(); });
  for (const auto& section : sections) {
    if (!section.empty()) out += "\n[" + section + "]\n";
    for (const auto& key : schema_->keys())
      if (key.section == section) out += keyToToml(key, get(key.name));
  }
  return out;
}

namespace {

/// A float TOML reads back as one: "1" would be an integer.
std::string tomlFloat(double v) {
  auto text = fmt::format("{}", v);
  if (text.find_first_of(".eE") == std::string::npos && text.find("inf") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

std::string Config::keyToToml(const ConfigKey& key, const ConfigValue& value) {
  std::string out;
  {
    out += "# " + key.help + "\n";
    std::string text;
    if (key.type == ConfigType::String) {
      std::ostringstream ss;
      ss << toml::value<std::string>(std::get<std::string>(value));
      text = ss.str();
    } else if (key.type == ConfigType::IntList) {
      text = "[" + fmt::format("{}", fmt::join(std::get<std::vector<int64_t>>(value), ", ")) + "]";
    } else if (key.type == ConfigType::FloatList) {
      std::vector<std::string> entries;
      for (double v : std::get<std::vector<double>>(value)) entries.push_back(tomlFloat(v));
      text = "[" + fmt::format("{}", fmt::join(entries, ", ")) + "]";
    } else if (key.type == ConfigType::Float) {
      text = tomlFloat(std::get<double>(value));
    } else {
      text = formatValue(value);
    }
    out += key.name + " = " + text + "\n";
  }
  return out;
}

}  // namespace gantry
