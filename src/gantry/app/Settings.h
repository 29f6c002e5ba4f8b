#pragma once

#include "gantry/core/Config.h"

#include <string>
#include <vector>

namespace gantry::app {

/// Every config key of a training run, with its type, default and help
/// (`gantry keys` prints this table).
const ConfigSchema& trainingSchema();

/// Config settings as text: (key, value) pairs.
using Settings = std::vector<std::pair<std::string, std::string>>;

struct Preset {
  std::string name;
  std::string description;
  Settings settings;
  /// Settings tuned for one objective on this preset's data (e.g. more
  /// critic steps for wgan-gp), applied on top of `settings` when a run of
  /// this preset uses that objective; what the user sets still wins.
  std::vector<std::pair<std::string, Settings>> objectiveSettings;
};

const std::vector<Preset>& presets();
/// The default preset: what `gantry train` trains when given neither
/// --preset nor --config.
const std::string& defaultPresetName();

/// Sets `config` to the schema defaults overlaid with the preset's settings,
/// then with its settings for `objective` if it has any (objective set too).
/// Throws UserError listing the presets for an unknown name.
void applyPreset(Config& config, const std::string& name, const std::string& objective = "");

/// Keys that may differ between a checkpoint and the run that resumes or
/// samples from it (they do not change the models or the game).
bool isRunInvariantKey(const std::string& key);

}  // namespace gantry::app
