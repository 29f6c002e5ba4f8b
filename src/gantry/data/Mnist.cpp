#include "gantry/data/Mnist.h"

#include "gantry/core/Error.h"
#include "gantry/data/Datasets.h"
#include "gantry/data/Idx.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kImageSide = 28;
constexpr int64_t kNumClasses = 10;
constexpr int64_t kTrainSplitSize = 50000;  // Goodfellow et al. (2014): the rest of the train file validates

const char* const kExpectedFiles =
    "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
    "t10k-labels-idx1-ubyte[.gz]";

std::string shapeString(torch::IntArrayRef dims) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
  out << "]";
  return out.str();
}

/// The plain file if present, else its .gz twin; the message lists every expected file so that one
/// look at it tells the user what the folder should hold.
fs::path findFile(const fs::path& root, const std::string& name) {
  std::error_code ec;
  for (const fs::path& candidate : {root / name, root / (name + ".gz")}) {
    if (fs::exists(candidate, ec)) return candidate;
  }
  throw UserError("MNIST-format data not found in " + root.string() + " (no " + name + " or " + name +
                  ".gz; expected " + kExpectedFiles + "); run scripts/setup");
}

struct ImagesAndLabels {
  torch::Tensor images;  // uint8 [N, 28, 28]
  torch::Tensor labels;  // uint8 [N]
};

ImagesAndLabels loadPair(const fs::path& root, const std::string& prefix) {
  const fs::path imagesPath = findFile(root, prefix + "-images-idx3-ubyte");
  const fs::path labelsPath = findFile(root, prefix + "-labels-idx1-ubyte");
  ImagesAndLabels pair{readIdx(imagesPath), readIdx(labelsPath)};

  const auto& images = pair.images;
  const auto& labels = pair.labels;
  if (images.dim() != 3 || images.size(1) != kImageSide || images.size(2) != kImageSide) {
    throw UserError("MNIST file " + imagesPath.string() + " holds images of shape " + shapeString(images.sizes()) +
                    ", expected [N, 28, 28]; run scripts/setup to fetch it again");
  }
  if (labels.dim() != 1) {
    throw UserError("MNIST file " + labelsPath.string() + " holds labels of shape " + shapeString(labels.sizes()) +
                    ", expected [N]; run scripts/setup to fetch it again");
  }
  if (labels.size(0) != images.size(0)) {
    throw UserError("MNIST files " + imagesPath.string() + " and " + labelsPath.string() + " disagree (" +
                    std::to_string(images.size(0)) + " images but " + std::to_string(labels.size(0)) +
                    " labels); run scripts/setup to fetch both again");
  }
  const int64_t badCount = labels.ge(kNumClasses).sum().item<int64_t>();
  if (badCount > 0) {
    const int64_t first = labels.ge(kNumClasses).nonzero()[0][0].item<int64_t>();
    throw UserError("MNIST file " + labelsPath.string() + " has " + std::to_string(badCount) +
                    " labels outside 0..9 (first at index " + std::to_string(first) + ": " +
                    std::to_string(labels[first].item<int64_t>()) + "); run scripts/setup to fetch it again");
  }
  return pair;
}

}  // namespace

Split parseSplit(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "train") return Split::Train;
  if (lower == "validation") return Split::Validation;
  if (lower == "test") return Split::Test;
  if (lower == "all") return Split::All;
  throw UserError("unknown data split '" + name + "'; use train, validation, test or all");
}

TensorDataset loadMnistFormat(const fs::path& root, Split split) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw UserError("MNIST-format data not found in " + root.string() + " (no such folder; expected " + kExpectedFiles +
                    "); run scripts/setup");
  }
  ImagesAndLabels pair = loadPair(root, split == Split::Test ? "t10k" : "train");
  const int64_t count = pair.images.size(0);

  int64_t begin = 0;
  int64_t end = count;
  if (split == Split::Train) {
    end = std::min(count, kTrainSplitSize);
  } else if (split == Split::Validation) {
    begin = kTrainSplitSize;
    if (count <= kTrainSplitSize) {
      throw UserError("MNIST file " + findFile(root, "train-images-idx3-ubyte").string() + " has only " +
                      std::to_string(count) + " images, so the validation split (images 50000 onwards) is " +
                      "empty; use the full 60000-image file (run scripts/setup)");
    }
  }
  // narrow + conversion copies, so the full file's buffer is released when `pair` goes away.
  torch::Tensor images =
      pair.images.narrow(0, begin, end - begin).to(torch::kFloat32).div_(255.0).unsqueeze(1).contiguous();
  torch::Tensor labels = pair.labels.narrow(0, begin, end - begin).to(torch::kInt64);
  return TensorDataset(std::move(images), std::move(labels));
}

}  // namespace gantry::data

namespace gantry::data {

namespace {

DatasetEntry mnistFormat(std::string name, std::string summary, std::string citation,
                         std::function<std::filesystem::path()> folder) {
  DatasetEntry entry;
  entry.name = std::move(name);
  entry.summary = std::move(summary);
  entry.citation = std::move(citation);
  entry.read = [](const std::filesystem::path& root, const DataSettings&, Split split) {
    return loadMnistFormat(root, split);
  };
  entry.defaultFolder = std::move(folder);
  entry.shape = [](const DataSettings&) { return std::vector<int64_t>{1, 28, 28}; };
  entry.classes = [](const std::filesystem::path&) { return int64_t{10}; };
  entry.hasSplits = true;
  return entry;
}

}  // namespace

DatasetEntry mnistDataset() {
  return mnistFormat("mnist", "handwritten digits, 28x28 grey, 10 classes (scripts/setup fetches them)",
                     "LeCun et al. 1998", [] { return defaultDataRoot() / "mnist"; });
}

DatasetEntry fashionDataset() {
  return mnistFormat("fashion", "Fashion-MNIST: clothes, 28x28 grey, 10 classes (Debian's dataset-fashion-mnist)",
                     "Xiao, Rasul & Vollgraf 2017",
                     [] { return std::filesystem::path("/usr/share/datasets/fashion-mnist"); });
}

}  // namespace gantry::data
