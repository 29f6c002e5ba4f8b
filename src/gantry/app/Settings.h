#pragma once

#include "gantry/core/Config.h"

#include <string>
#include <vector>

namespace gantry::app {

/// Every config key of a training run, with its type, default and help
/// (`gantry keys` prints this table).
const ConfigSchema& trainingSchema();

struct Preset {
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, std::string>> settings;  // key, value as text
};

const std::vector<Preset>& presets();
/// The default preset: what `gantry train` trains when given neither
/// --preset nor --config.
const std::string& defaultPresetName();

/// Sets `config` to the schema defaults overlaid with the preset's settings.
/// Throws UserError listing the presets for an unknown name.
void applyPreset(Config& config, const std::string& name);

/// Keys that may differ between a checkpoint and the run that resumes or
/// samples from it (they do not change the models or the game).
bool isRunInvariantKey(const std::string& key);

}  // namespace gantry::app
