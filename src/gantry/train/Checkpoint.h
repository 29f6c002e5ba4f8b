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

/// The config stored in a checkpoint. Throws UserError naming the file when
/// it is missing, not a gantry checkpoint, or of an unknown version (this one
/// and readGeneratorWeights also read version 1; readCheckpoint only the
/// current version).
std::string readCheckpointConfig(const std::filesystem::path& path);

/// Restores the trainer's state (its modules must have the checkpoint's
/// shapes: check the config first).
void readCheckpoint(const std::filesystem::path& path, Trainer& trainer);

/// Loads only the generator's weights (for sampling).
void readGeneratorWeights(const std::filesystem::path& path, models::Generator& generator);

/// The classes the run's generator is conditioned on (0: unconditional, and
/// for checkpoints that predate conditional models).
int64_t readGeneratorClasses(const std::filesystem::path& path);

}  // namespace gantry::train
