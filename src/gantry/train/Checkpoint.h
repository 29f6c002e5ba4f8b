#pragma once

#include "gantry/models/Generator.h"
#include "gantry/train/Trainer.h"

#include <filesystem>
#include <string>

namespace gantry::train {

/// Checkpoint format version; bumped when the layout changes, so an old
/// file is refused with a clear message instead of being misread.
constexpr int64_t kCheckpointVersion = 2;  // 2: one flat tensor per optimizer

/// Saves a LibTorch archive atomically (writeFileAtomic: a temporary file
/// beside `path`, renamed over it), so a crash mid-write never leaves a half
/// file. Throws UserError naming the file.
void writeArchiveAtomic(const std::filesystem::path& path, torch::serialize::OutputArchive& archive);

/// Writes the trainer's full state and the run's resolved config (TOML)
/// atomically: to a temporary file beside `path`, then renamed over it, so
/// a crash mid-write never leaves a half checkpoint. The checkpoint it
/// replaces stays beside it as previousCheckpoint(path), the fallback when
/// the latest turns out corrupt. Throws Diverged (gantry/train/Divergence.h)
/// instead of writing parameters that are not finite.
///
/// Every read checks each record of the archive against its CRC-32
/// (io::zipIntegrityError) and refuses a mismatch with one line that names
/// the fallback.
void writeCheckpoint(const std::filesystem::path& path, Trainer& trainer, const std::string& configToml);

/// Where writeCheckpoint keeps the checkpoint before `path`:
/// checkpoint.prev.pt beside checkpoint.pt.
std::filesystem::path previousCheckpoint(const std::filesystem::path& path);

/// A checkpoint opened for reading, once: every record checked against its
/// CRC-32 (io::zipIntegrityError; a mismatch is refused with one line that
/// names the fallback, previousCheckpoint(path)), its format and version
/// read. Versions 1 and 2 open (version 1 differs only in the optimizers'
/// state, so old runs still sample and evaluate); only restore() needs the
/// current one. Every failure is a UserError naming the file.
class CheckpointReader {
 public:
  explicit CheckpointReader(std::filesystem::path path);
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  /// The run's resolved config (TOML) it was written with.
  std::string config();

  /// The classes the run's generator is conditioned on (0: unconditional,
  /// and for checkpoints that predate conditional models).
  int64_t generatorClasses();

  /// The steps the run had taken when it was written.
  int64_t steps();

  /// Loads only the generator's weights (for sampling): the trained ones,
  /// or with `average` the run's average of them (g_ema; a UserError naming
  /// the key when the run kept none).
  void readGenerator(models::Generator& generator, bool average = false);

  /// Restores the trainer's full state (its modules must have the
  /// checkpoint's shapes: check the config first).
  void restore(Trainer& trainer);

 private:
  std::filesystem::path path_;
  int64_t version_ = 0;
  torch::serialize::InputArchive archive_;
};

}  // namespace gantry::train
