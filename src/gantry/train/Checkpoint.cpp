#include "gantry/train/Checkpoint.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/io/ZipIntegrity.h"
#include "gantry/train/Divergence.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace gantry::train {

namespace {

/// Each tensor storage's bytes, once per storage (views share one).
using Storages = std::map<const void*, uint64_t>;
void collectStorages(const c10::IValue& value, Storages& storages);

/// The storages of every tensor of the archive and of the archives in it.
void collectStorages(torch::serialize::InputArchive& archive, Storages& storages) {
  for (const auto& key : archive.keys()) {
    torch::serialize::InputArchive nested;
    if (archive.try_read(key, nested)) {
      collectStorages(nested, storages);
      continue;
    }
    c10::IValue value;
    if (archive.try_read(key, value)) collectStorages(value, storages);
  }
}

void collectStorages(const c10::IValue& value, Storages& storages) {
  if (value.isTensor()) {
    const auto& t = value.toTensor();
    if (t.defined() && t.has_storage() && t.storage().nbytes() > 0)
      storages[t.storage().unsafeGetStorageImpl()] = t.storage().nbytes();
  } else if (value.isList()) {
    for (const auto& item : value.toListRef()) collectStorages(item, storages);
  } else if (value.isTuple()) {
    for (const auto& item : value.toTupleRef().elements()) collectStorages(item, storages);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) collectStorages(entry.value(), storages);
  }
}

constexpr const char* kFormat = "gantry-checkpoint";

/// Version 1 differs from 2 only in the optimizers' state (per tensor, not
/// flat): its config and generator still read.
constexpr int64_t kOldestReadableVersion = 1;

/// Keeps the checkpoint about to be replaced as previousCheckpoint(path): a
/// hard link renamed into place, so that `path` itself exists at every
/// moment (only the rename of the new file replaces it).
void keepAsPrevious(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  const auto previous = previousCheckpoint(path);
  auto link = previous;
  link += fmt::format(".tmp-{}", ::getpid());
  std::filesystem::remove(link, ec);
  std::filesystem::create_hard_link(path, link, ec);
  // A file system without hard links (some network and FUSE ones): a copy.
  if (ec) std::filesystem::copy_file(path, link, std::filesystem::copy_options::overwrite_existing, ec);
  if (!ec) std::filesystem::rename(link, previous, ec);
  // The temporary name goes in every case: after a failure, and after a
  // rename that did nothing. When previous already is `path` (a write killed
  // after this function and before its rename leaves the two as links to
  // one file), rename() of one link over another of the same file does
  // nothing and succeeds (POSIX); removing the link leaves previous as is.
  std::error_code ignored;
  std::filesystem::remove(link, ignored);
  if (ec)
    throw UserError(fmt::format("cannot keep {} as {} ({}); check permissions and free space", path.string(),
                                previous.string(), ec.message()));
}

}  // namespace

void writeArchiveAtomic(const std::filesystem::path& path, torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomic(path, bytes.str());
}

std::filesystem::path previousCheckpoint(const std::filesystem::path& path) {
  auto previous = path;
  previous.replace_extension(".prev" + path.extension().string());
  return previous;
}

void writeCheckpoint(const std::filesystem::path& path, Trainer& trainer, const std::string& configToml) {
  // A state no step comes back from is never saved: the last checkpoint
  // stays the last good one.
  if (auto culprit = nonFiniteParameter(trainer); !culprit.empty()) throw Diverged(trainer.steps(), culprit);
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("config", c10::IValue(configToml));
  archive.write("generator_classes", c10::IValue(trainer.generator().classes()));
  trainer.save(archive);
  keepAsPrevious(path);
  writeArchiveAtomic(path, archive);
}

CheckpointReader::CheckpointReader(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  // The fallback each refusal below names, when there is one.
  const auto previous = previousCheckpoint(path_);
  const bool hasPrevious = std::filesystem::is_regular_file(previous, ec);
  if (!std::filesystem::is_regular_file(path_, ec))
    throw UserError(hasPrevious ? fmt::format("checkpoint {} not found; the previous one, {}, is there: copy it to {} "
                                              "to go on from it",
                                              path_.string(), previous.string(), path_.string())
                                : fmt::format("checkpoint {} not found; train the run first or check the run folder",
                                              path_.string()));
  const auto corrupt = [&](const std::string& why) {
    return UserError(fmt::format(
        "checkpoint {} is corrupt ({}); {}", path_.string(), why,
        hasPrevious ? fmt::format("fall back to the previous one, {} (it is up to checkpoint_every steps older): copy "
                                  "it over the corrupt one",
                                  previous.string())
                    : "restore it or retrain"));
  };
  if (auto error = io::zipIntegrityError(path_)) throw corrupt(*error);
  try {
    archive_.load_from(path_.string());
    c10::IValue format, version;
    archive_.read("format", format);
    archive_.read("version", version);
    if (!format.isString() || format.toStringRef() != kFormat || !version.isInt())
      throw c10::Error("not a gantry checkpoint", "");
    version_ = version.toInt();
    // LibTorch 1.13 takes a storage's size from data.pkl and its bytes from
    // its record, with no check between the two: a record cut short (its
    // CRC made anew) would be read and written past its end. The records'
    // sizes must be the storages'.
    Storages storages;
    collectStorages(archive_, storages);
    std::vector<uint64_t> held;
    for (const auto& [storage, bytes] : storages) held.push_back(bytes);
    std::sort(held.begin(), held.end());
    if (held != io::tensorRecordSizes(path_)) throw corrupt("a tensor record does not hold its tensor's bytes");
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {  // c10::Error, and the TorchScript importer's errors
    throw UserError(fmt::format("checkpoint {} is corrupt or not a gantry checkpoint ({}); restore it or retrain",
                                path_.string(), firstLine(e.what())));
  }
  if (version_ < kOldestReadableVersion || version_ > kCheckpointVersion)
    throw UserError(fmt::format(
        "checkpoint {} has format version {}, this gantry reads up to version {}; retrain or use the gantry that "
        "wrote it",
        path_.string(), version_, kCheckpointVersion));
}

std::string CheckpointReader::config() {
  c10::IValue config;
  if (!archive_.try_read("config", config) || !config.isString())
    throw UserError(fmt::format("checkpoint {} holds no config; restore it or retrain", path_.string()));
  return config.toStringRef();
}

int64_t CheckpointReader::generatorClasses() {
  c10::IValue classes;
  if (!archive_.try_read("generator_classes", classes)) return 0;
  if (!classes.isInt() || classes.toInt() < 0)
    throw UserError(fmt::format("checkpoint {} is corrupt (generator_classes); restore it or retrain", path_.string()));
  return classes.toInt();
}

int64_t CheckpointReader::steps() {
  c10::IValue steps;
  if (!archive_.try_read("steps", steps) || !steps.isInt() || steps.toInt() < 0)
    throw UserError(fmt::format("checkpoint {} is corrupt (steps); restore it or retrain", path_.string()));
  return steps.toInt();
}

void CheckpointReader::readGenerator(models::Generator& generator, bool average) {
  torch::serialize::InputArchive g;
  if (average && !archive_.try_read("generator_ema", g))
    throw UserError(fmt::format(
        "checkpoint {} holds no average of the generator's weights: the run was trained with g_ema = 0; sample "
        "without --ema, or train with g_ema = 0.999",
        path_.string()));
  try {
    if (!average) archive_.read("generator", g);
    generator.load(g);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(
        fmt::format("checkpoint {} does not match this run's generator ({}); sample with the config it "
                    "was written with",
                    path_.string(), firstLine(e.what())));
  }
}

void CheckpointReader::restore(Trainer& trainer) {
  if (version_ != kCheckpointVersion)
    throw UserError(fmt::format(
        "checkpoint {} has format version {}, this gantry resumes only version {}; retrain or use the gantry that "
        "wrote it",
        path_.string(), version_, kCheckpointVersion));
  try {
    trainer.load(archive_);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(
        fmt::format("checkpoint {} does not match this run's models ({}); resume with the config it "
                    "was written with",
                    path_.string(), firstLine(e.what())));
  }
}

}  // namespace gantry::train
