#pragma once

#include "gantry/models/CnnClassifier.h"

#include <filesystem>
#include <string>

namespace gantry::train {

/// Format version of classifier files; bumped when the layout changes.
constexpr int64_t kClassifierVersion = 1;

/// What a classifier file records besides the weights.
struct ClassifierInfo {
  std::string dataset;  // "mnist" or "fashion": the metrics refuse it for other data
  double testAccuracy = 0.0;
  int64_t epochs = 0;
  int64_t seed = 0;
};

/// Writes the weights, the architecture's options and the info atomically.
void writeClassifier(const std::filesystem::path& path, models::CnnClassifier& model, const ClassifierInfo& info);

struct LoadedClassifier {
  models::CnnClassifier model;  // in eval mode, on the CPU
  ClassifierInfo info;
};

/// Reads a classifier file. Throws UserError naming the file when it is
/// missing (and saying how to train one), corrupt, or of another version.
LoadedClassifier readClassifier(const std::filesystem::path& path);

}  // namespace gantry::train
