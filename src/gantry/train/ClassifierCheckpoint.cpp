#include "gantry/train/ClassifierCheckpoint.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/io/ZipIntegrity.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::train {

namespace {

constexpr const char* kFormat = "gantry-classifier";

}  // namespace

void writeClassifier(const std::filesystem::path& path, models::CnnClassifier& model, const ClassifierInfo& info) {
  const auto& o = model->options();
  torch::serialize::OutputArchive archive, weights;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("version", c10::IValue(kClassifierVersion));
  archive.write("dataset", c10::IValue(info.dataset));
  archive.write("test_accuracy", c10::IValue(info.testAccuracy));
  archive.write("epochs", c10::IValue(info.epochs));
  archive.write("seed", c10::IValue(info.seed));
  // The architecture, so a file trained with other widths still loads.
  archive.write("architecture", torch::tensor({o.input_channels(), o.image_size(), o.classes(), o.conv1_channels(),
                                               o.conv2_channels(), o.feature_dim()},
                                              torch::kLong));
  archive.write("dropout", c10::IValue(o.dropout()));
  model->save(weights);
  archive.write("weights", weights);
  createParentFolder(path);
  writeArchiveAtomic(path, archive);
}

LoadedClassifier readClassifier(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError(
        fmt::format("classifier {} not found; train it with: gantry classifier train --dataset NAME --out {}",
                    path.string(), path.string()));
  if (auto error = io::zipIntegrityError(path))
    throw UserError(fmt::format("classifier {} is corrupt ({}); train it again with gantry classifier train",
                                path.string(), *error));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue format, version, dataset, accuracy, epochs, seed, dropout;
    archive.read("format", format);
    if (!format.isString() || format.toStringRef() != kFormat) throw c10::Error("not a gantry classifier", "");
    archive.read("version", version);
    if (version.toInt() != kClassifierVersion)
      throw UserError(
          fmt::format("classifier {} has format version {}, this gantry reads version {}; train it again "
                      "with gantry classifier train",
                      path.string(), version.toInt(), kClassifierVersion));
    archive.read("dataset", dataset);
    archive.read("test_accuracy", accuracy);
    archive.read("epochs", epochs);
    archive.read("seed", seed);
    archive.read("dropout", dropout);
    torch::Tensor architecture;
    archive.read("architecture", architecture);
    if (architecture.numel() != 6) throw c10::Error("bad architecture record", "");
    auto a = architecture.accessor<int64_t, 1>();
    auto options = models::CnnClassifierOptions(a[0], a[1], a[2])
                       .conv1_channels(a[3])
                       .conv2_channels(a[4])
                       .feature_dim(a[5])
                       .dropout(dropout.toDouble());
    models::CnnClassifier model(options);
    torch::serialize::InputArchive weights;
    archive.read("weights", weights);
    model->load(weights);
    model->eval();
    ClassifierInfo info{dataset.toStringRef(), accuracy.toDouble(), epochs.toInt(), seed.toInt()};
    return {model, info};
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {  // c10::Error, and the TorchScript importer's errors
    throw UserError(
        fmt::format("classifier {} is corrupt or not a gantry classifier ({}); train it again with gantry "
                    "classifier train",
                    path.string(), firstLine(e.what())));
  }
}

}  // namespace gantry::train
