#pragma once

#include "gantry/core/Section.h"
#include "gantry/models/ModelFamily.h"

#include <string>
#include <vector>

namespace gantry::models {

/// The [mlp] section: fully connected players (gantry/models/Mlp.h), the
/// 2014 paper's and the toy presets'. Its keys keep their flat names.
struct MlpSettings {
  std::vector<int64_t> g_hidden = {128, 128};
  std::string g_activation = "relu";
  std::string g_output = "identity";
  double g_init_range = 0.0;
  std::string g_output_bias = "zero";
  std::vector<int64_t> d_hidden = {128, 128};
  std::string d_activation = "leaky_relu";
  int64_t maxout_pieces = 5;
  double d_input_keep = 1.0;
  double d_hidden_keep = 1.0;
  double d_init_range = 0.0;
  double orthogonal_gain = 0.0;
  double init_std = 0.0;
  bool g_batch_norm = false;
};
const Section<MlpSettings>& mlpSection();

/// The family `mlp`; conditional = concat wraps both players
/// (gantry/models/ConcatConditioning.h).
ModelFamilyEntry mlpFamily();

}  // namespace gantry::models
