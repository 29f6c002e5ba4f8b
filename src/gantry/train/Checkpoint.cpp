#include "gantry/train/Checkpoint.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

namespace gantry::train {

namespace {

constexpr const char* kFormat = "gantry-checkpoint";

std::string firstLine(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

torch::serialize::InputArchive openArchive(const std::filesystem::path& path) {
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
    if (version.toInt() != kCheckpointVersion)
      throw UserError(
          fmt::format("checkpoint {} has format version {}, this gantry reads version {}; retrain "
                      "or use the gantry that wrote it",
                      path.string(), version.toInt(), kCheckpointVersion));
  } catch (const c10::Error& e) {
    throw UserError(fmt::format("checkpoint {} is corrupt or not a gantry checkpoint ({}); restore it or retrain",
                                path.string(), firstLine(e.what_without_backtrace())));
  }
  return archive;
}

}  // namespace

void writeCheckpoint(const std::filesystem::path& path, const Trainer& trainer, const std::string& configToml) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("config", c10::IValue(configToml));
  trainer.save(archive);
  auto tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  try {
    archive.save_to(tmp.string());
  } catch (const c10::Error& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw UserError(fmt::format("cannot write checkpoint {} ({}); check free space and permissions", path.string(),
                                firstLine(e.what_without_backtrace())));
  }
  std::filesystem::rename(tmp, path);
}

std::string readCheckpointConfig(const std::filesystem::path& path) {
  auto archive = openArchive(path);
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

void readGeneratorWeights(const std::filesystem::path& path, models::Generator& generator) {
  auto archive = openArchive(path);
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
