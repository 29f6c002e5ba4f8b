#include "gantry/data/Datasets.h"

#include "gantry/core/Error.h"
#include "gantry/data/ImageFolder.h"
#include "gantry/data/Mnist.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>

#ifndef GANTRY_DEFAULT_DATA_DIR
#define GANTRY_DEFAULT_DATA_DIR "data"
#endif

namespace gantry::data {

const Registry<DatasetEntry>& datasets() {
  static const Registry<DatasetEntry> registry = [] {
    Registry<DatasetEntry> r("dataset");
    r.add(mnistDataset());
    r.add(fashionDataset());
    r.add(imageFolderDataset());
    r.add(toyDataset("gaussian1d", "1-d Gaussian N(4, 0.5^2)"));
    r.add(toyDataset("ring8", "8 Gaussians on the unit circle, std 0.01 (PacGAN protocol)"));
    r.add(toyDataset("grid25", "25 Gaussians on a 5x5 grid {-4,-2,0,2,4}^2, std 0.05 (PacGAN protocol)"));
    r.add(toyDataset("dirac", "the point mass at 0 in 1-d: the data of the Dirac-GAN (Mescheder et al. 2018)"));
    return r;
  }();
  return registry;
}

const Section<DataSettings>& dataSection() {
  static const auto section =
      Section<DataSettings>("data")
          .text("dataset", &DataSettings::dataset, "training data (gantry list datasets)", datasets().names())
          .text("data_dir", &DataSettings::data_dir,
                "folder of the dataset's files (empty: data/mnist or $GANTRY_DATA/mnist for mnist, "
                "/usr/share/datasets/fashion-mnist for fashion; required for images)")
          .resumable()
          .integer("image_size", &DataSettings::image_size, "images: height and width after resizing",
                   Range::closed(1, kMaxImageSide))
          .flag("grayscale", &DataSettings::grayscale, "images: one channel (else RGB)")
          .integer("batch_size", &DataSettings::batch_size, "minibatch size (real and generated alike)",
                   Range::atLeast(1));
  return section;
}

std::filesystem::path defaultDataRoot() {
  if (const char* env = std::getenv("GANTRY_DATA")) return env;
  return GANTRY_DEFAULT_DATA_DIR;
}

const DatasetEntry& datasetOf(const DataSettings& settings) {
  return datasets().require(settings.dataset, "config key 'dataset'");
}

std::filesystem::path dataFolder(const DataSettings& settings) {
  if (!settings.data_dir.empty()) return settings.data_dir;
  const auto& entry = datasetOf(settings);
  if (entry.needsDataDir())
    throw UserError(
        fmt::format("config key 'data_dir' must name the folder of the data when dataset = {}", settings.dataset));
  return entry.defaultFolder ? entry.defaultFolder() : std::filesystem::path();
}

std::vector<int64_t> sampleShape(const DataSettings& settings) {
  const auto& entry = datasetOf(settings);
  if (entry.shape) return entry.shape(settings);
  return {entry.distribution()->dim()};
}

int64_t classCount(const DataSettings& settings) {
  const auto& entry = datasetOf(settings);
  if (entry.classes) return entry.classes(dataFolder(settings));
  return entry.distribution()->components();
}

std::shared_ptr<GaussianMixture> toyDistribution(const DataSettings& settings) {
  const auto& entry = datasetOf(settings);
  if (!entry.isToy()) return nullptr;
  return entry.distribution();
}

TensorDataset readSplit(const DataSettings& settings, Split split) {
  const auto& entry = datasetOf(settings);
  if (entry.isToy()) throw std::logic_error("readSplit: " + settings.dataset + " is sampled, not read");
  return entry.read(dataFolder(settings), settings, split);
}

std::unique_ptr<BatchSource> makeBatchSource(const DataSettings& settings, uint64_t seed, torch::Device device,
                                             std::shared_ptr<TensorDataset>* dataset) {
  if (auto toy = toyDistribution(settings)) {
    if (dataset) dataset->reset();
    return std::make_unique<MixtureBatchSource>(toy, settings.batch_size, device);
  }
  auto train = std::make_shared<TensorDataset>(readSplit(settings, Split::Train));
  if (dataset) *dataset = train;
  return std::make_unique<ShuffledBatchSource>(train, settings.batch_size, seed, device);
}

std::vector<std::unique_ptr<BatchSource>> makeBatchSources(const DataSettings& settings,
                                                           const std::vector<uint64_t>& seeds, torch::Device device,
                                                           std::shared_ptr<TensorDataset>* dataset) {
  std::vector<std::unique_ptr<BatchSource>> sources;
  std::shared_ptr<TensorDataset> train;
  for (uint64_t seed : seeds) {
    if (sources.empty() || !train)
      sources.push_back(makeBatchSource(settings, seed, device, &train));
    else
      sources.push_back(std::make_unique<ShuffledBatchSource>(train, settings.batch_size, seed, device));
  }
  if (dataset) *dataset = train;
  return sources;
}

}  // namespace gantry::data
