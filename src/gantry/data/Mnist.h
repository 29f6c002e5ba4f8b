#pragma once

#include "gantry/data/TensorDataset.h"

#include <filesystem>
#include <string>

namespace gantry::data {

/// The splits of Goodfellow et al. (2014): train = train[0:50000],
/// validation = train[50000:60000], test = the 10,000 test images.
/// `All` is the full 60,000-image training file.
enum class Split { Train, Validation, Test, All };

Split parseSplit(const std::string& name);  // "train" | "validation" | "test" | "all"

/// Loads MNIST or Fashion-MNIST (same IDX layout) from `root`, which holds
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
/// t10k-labels-idx1-ubyte, each plain or with a .gz suffix. Images become
/// float [N, 1, 28, 28] in [0, 1], labels int64 [N]. Throws gantry::UserError
/// naming the folder/file and what to do when a file is missing or bad.
TensorDataset loadMnistFormat(const std::filesystem::path& root, Split split);

}  // namespace gantry::data
