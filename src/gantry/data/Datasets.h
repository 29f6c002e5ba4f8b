#pragma once

#include "gantry/data/BatchSource.h"
#include "gantry/data/DatasetEntry.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace gantry::data {

/// mnist, fashion, images, gaussian1d, ring8, grid25, dirac.
const Registry<DatasetEntry>& datasets();

/// Where gantry keeps data by default: $GANTRY_DATA, else data/ in the
/// source tree (MNIST in mnist/, trained classifiers in classifiers/).
std::filesystem::path defaultDataRoot();

/// The settings' dataset entry (the config has checked the name).
const DatasetEntry& datasetOf(const DataSettings& settings);
/// The folder the settings' dataset is read from (UserError when data_dir is
/// required and empty).
std::filesystem::path dataFolder(const DataSettings& settings);
/// Shape of one sample of the settings' dataset.
std::vector<int64_t> sampleShape(const DataSettings& settings);
/// The classes of the settings' dataset's labels (toys: their components).
int64_t classCount(const DataSettings& settings);
/// The toy distribution, or null for data read from files.
std::shared_ptr<GaussianMixture> toyDistribution(const DataSettings& settings);
/// Reads a split of a dataset of files.
TensorDataset readSplit(const DataSettings& settings, Split split);

/// The training data as an endless stream of labelled minibatches (toys:
/// fresh draws from the default CPU generator; files: the training split,
/// shuffled per epoch from `seed`), on `device`. `dataset` receives the
/// training split of a dataset of files (null for toys), for those that need
/// more of it (a generator's output bias from the data's mean).
std::unique_ptr<BatchSource> makeBatchSource(const DataSettings& settings, uint64_t seed, torch::Device device,
                                             std::shared_ptr<TensorDataset>* dataset = nullptr);
/// The same for each of a population's members (population training), member
/// n's shuffled from seeds[n]; the members share one copy of a dataset of
/// files.
std::vector<std::unique_ptr<BatchSource>> makeBatchSources(const DataSettings& settings,
                                                           const std::vector<uint64_t>& seeds, torch::Device device,
                                                           std::shared_ptr<TensorDataset>* dataset = nullptr);

}  // namespace gantry::data
