#pragma once

#include "gantry/data/DatasetEntry.h"
#include "gantry/data/TensorDataset.h"

#include <filesystem>
#include <string>

namespace gantry::data {

Split parseSplit(const std::string& name);  // "train" | "validation" | "test" | "all"

/// Loads MNIST or Fashion-MNIST (same IDX layout) from `root`, which holds
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
/// t10k-labels-idx1-ubyte, each plain or with a .gz suffix. Images become
/// float [N, 1, 28, 28] in [0, 1], labels int64 [N]. Throws gantry::UserError
/// naming the folder/file and what to do when a file is missing or bad.
TensorDataset loadMnistFormat(const std::filesystem::path& root, Split split);

/// The datasets `mnist` (data/mnist, or $GANTRY_DATA/mnist) and `fashion`
/// (Debian's dataset-fashion-mnist).
DatasetEntry mnistDataset();
DatasetEntry fashionDataset();

}  // namespace gantry::data
