#include "gantry/train/Checkpoint.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <sstream>

namespace gantry::train {

namespace {

constexpr const char* kFormat = "gantry-checkpoint";

/// Version 1 differs from 2 only in the optimizers' state (per tensor, not
/// flat): its config and generator still read, so old runs sample and
/// evaluate; only resuming needs the current version.
constexpr int64_t kOldestGeneratorVersion = 1;

torch::serialize::InputArchive openArchive(const std::filesystem::path& path,
                                           int64_t oldestVersion = kCheckpointVersion) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError(fmt::format("checkpoint {} not found; train the run first or check the run folder", path.string()));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
    c10::IValue format, version;
    archive.read("format", format);
    archive.read("version", version);
    if (!format.isString() || format.toStringRef() != kFormat) throw c10::Error("not a gantry checkpoint", "");
    if (version.toInt() < oldestVersion || version.toInt() > kCheckpointVersion)
      throw UserError(fmt::format(
          "checkpoint {} has format version {}, this gantry {} version {}; retrain or use the gantry that wrote it",
          path.string(), version.toInt(), oldestVersion == kCheckpointVersion ? "resumes only" : "reads up to",
          kCheckpointVersion));
  } catch (const c10::Error& e) {
    throw UserError(fmt::format("checkpoint {} is corrupt or not a gantry checkpoint ({}); restore it or retrain",
                                path.string(), firstLine(e.what_without_backtrace())));
  }
  return archive;
}

}  // namespace

void writeArchiveAtomic(const std::filesystem::path& path, torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomic(path, bytes.str());
}

void writeCheckpoint(const std::filesystem::path& path, Trainer& trainer, const std::string& configToml) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("config", c10::IValue(configToml));
  archive.write("generator_classes", c10::IValue(trainer.generator().classes()));
  trainer.save(archive);
  writeArchiveAtomic(path, archive);
}

std::string readCheckpointConfig(const std::filesystem::path& path) {
  auto archive = openArchive(path, kOldestGeneratorVersion);
  c10::IValue config;
  archive.read("config", config);
  return config.toStringRef();
}

void readCheckpoint(const std::filesystem::path& path, Trainer& trainer) {
  auto archive = openArchive(path);
  try {
    trainer.load(archive);
  } catch (const c10::Error& e) {
    throw UserError(
        fmt::format("checkpoint {} does not match this run's models ({}); resume with the config it "
                    "was written with",
                    path.string(), firstLine(e.what_without_backtrace())));
  }
}

int64_t readGeneratorClasses(const std::filesystem::path& path) {
  auto archive = openArchive(path, kOldestGeneratorVersion);
  c10::IValue classes;
  if (!archive.try_read("generator_classes", classes)) return 0;
  return classes.toInt();
}

void readGeneratorWeights(const std::filesystem::path& path, models::Generator& generator) {
  auto archive = openArchive(path, kOldestGeneratorVersion);
  try {
    torch::serialize::InputArchive g;
    archive.read("generator", g);
    generator.load(g);
  } catch (const c10::Error& e) {
    throw UserError(
        fmt::format("checkpoint {} does not match this run's generator ({}); sample with the config it "
                    "was written with",
                    path.string(), firstLine(e.what_without_backtrace())));
  }
}

}  // namespace gantry::train
