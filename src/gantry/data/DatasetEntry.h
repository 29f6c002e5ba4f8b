#pragma once

#include "gantry/core/Registry.h"
#include "gantry/core/Section.h"
#include "gantry/data/TensorDataset.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gantry::data {

class GaussianMixture;

/// The splits of Goodfellow et al. (2014): train = train[0:50000],
/// validation = train[50000:60000], test = the 10,000 test images.
/// `All` is the full 60,000-image training file.
enum class Split { Train, Validation, Test, All };

/// The [data] section of a run's config.
struct DataSettings {
  std::string dataset = "ring8";
  std::string data_dir;
  int64_t image_size = 28;
  bool grayscale = true;
  int64_t batch_size = 64;
};
const Section<DataSettings>& dataSection();

/// One dataset gantry trains on: a toy distribution sampled in code, or
/// files read into memory.
struct DatasetEntry : RegistryEntry {
  /// The toy distribution (null for data read from files).
  std::function<std::unique_ptr<GaussianMixture>()> distribution;
  /// Reads a split of the files (null for toys). Throws UserError naming the
  /// folder or file.
  std::function<TensorDataset(const std::filesystem::path& folder, const DataSettings&, Split)> read;
  /// The folder read when data_dir is empty (empty path: data_dir is required).
  std::function<std::filesystem::path()> defaultFolder;
  /// Shape of one sample, without reading anything (null: the distribution's).
  std::function<std::vector<int64_t>(const DataSettings&)> shape;
  /// The number of classes its labels take, without reading the samples
  /// (null: the distribution's components).
  std::function<int64_t(const std::filesystem::path& folder)> classes;
  /// Has the validation and test splits of the 2014 paper (MNIST format):
  /// what Parzen and the classifier metrics need.
  bool hasSplits = false;

  bool isToy() const { return static_cast<bool>(distribution); }
  /// Files without a folder of their own (an image folder): only data_dir
  /// can say where they are.
  bool needsDataDir() const { return !isToy() && (!defaultFolder || defaultFolder().empty()); }
};

}  // namespace gantry::data
