#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace gantry {

/// One value of a config key. Lists are comma-separated on the command line
/// ("1200,1200", "1e-4,3e-4") and arrays in TOML.
using ConfigValue = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>, std::vector<double>>;

/// IntList: at least one entry (layer widths). FloatList: may be empty,
/// which a key uses for "none" (a sweep over no values).
enum class ConfigType { Int, Float, Bool, String, IntList, FloatList };

/// A key the config accepts: its type, default, allowed values (for strings),
/// range (for numbers), one line of help, the section it belongs to and
/// whether it may change when a run is resumed.
struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::String;
  ConfigValue defaultValue;
  std::string help;
  std::vector<std::string> choices;  // strings only; empty = any
  double minimum = -1e300;           // numbers and list entries
  double maximum = 1e300;
  bool minimumExclusive = false;
  bool maximumExclusive = false;
  /// The TOML table the key is written in ("run", "optimizer", "mlp"...).
  /// Names are unique across sections, so a key may also be given without
  /// its table (as flat keys: `--set lr_g=...`, config files of earlier
  /// gantry versions) or with it (`--set optimizer.lr_g=...`).
  std::string section;
  /// May differ between a checkpoint and the run that resumes or samples
  /// from it: it changes neither the models nor the game (steps, threads,
  /// logging, where the data is).
  bool resumable = false;
};

std::string typeName(ConfigType type);
std::string formatValue(const ConfigValue& value);

/// The set of keys a program accepts. Parsing and validation live here so
/// every entry point (--set, TOML files, presets) reports errors the same way.
class ConfigSchema {
 public:
  void add(ConfigKey key);
  /// The key of that name, with or without its section ("optimizer.lr_g" or
  /// "lr_g"); null when unknown or when the section is not the key's.
  const ConfigKey* find(const std::string& name) const;
  /// The sections in the order their first key was added.
  std::vector<std::string> sections() const;
  /// Throws UserError naming the key (and `origin`, e.g. "--set" or a file)
  /// when the key is unknown or the value does not fit its type or choices.
  const ConfigKey& require(const std::string& name, const std::string& origin) const;
  ConfigValue parse(const std::string& name, const std::string& text, const std::string& origin) const;
  void validate(const std::string& name, const ConfigValue& value, const std::string& origin) const;
  const std::vector<ConfigKey>& keys() const { return keys_; }

 private:
  std::vector<ConfigKey> keys_;
};

/// A resolved config: every key of its schema has a value.
class Config {
 public:
  explicit Config(const ConfigSchema& schema);

  /// Sets from text (as given to --set key=value).
  void setText(const std::string& name, const std::string& text, const std::string& origin);
  /// Sets a "key=value" assignment; the origin names where it came from.
  void setAssignment(const std::string& assignment, const std::string& origin);
  void set(const std::string& name, ConfigValue value, const std::string& origin);
  /// Merges a TOML file's top-level keys. Throws UserError naming the file
  /// (and line) when it does not parse, and the key when it is not valid.
  void mergeToml(const std::filesystem::path& path);
  void mergeTomlString(const std::string& text, const std::string& origin);

  int64_t getInt(const std::string& name) const;
  double getFloat(const std::string& name) const;
  bool getBool(const std::string& name) const;
  const std::string& getString(const std::string& name) const;
  const std::vector<int64_t>& getIntList(const std::string& name) const;
  const std::vector<double>& getFloatList(const std::string& name) const;
  const ConfigValue& get(const std::string& name) const;

  /// TOML text with every key, one table per section in schema order, each
  /// key with its help as a comment.
  std::string toToml() const;
  const std::map<std::string, ConfigValue>& values() const { return values_; }
  const ConfigSchema& schema() const { return *schema_; }

 private:
  static std::string keyToToml(const ConfigKey& key, const ConfigValue& value);

  const ConfigSchema* schema_;
  std::map<std::string, ConfigValue> values_;
};

}  // namespace gantry
