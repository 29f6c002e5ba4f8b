#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::io {

/// Checks every record of a zip file (a LibTorch archive: a checkpoint)
/// against the CRC-32 stored beside it when it was written. LibTorch's own
/// reader skips these checks (its miniz is built without them), so a
/// flipped bit in a tensor would load as a wrong weight. Reads the whole
/// file once, through libzip.
///
/// Returns what is wrong ("checksum mismatch in record 'archive/data/3'",
/// "not a zip file", an empty zip), or nothing when every record matches.
std::optional<std::string> zipIntegrityError(const std::filesystem::path& path);

/// The sizes in bytes of a LibTorch archive's tensor records (`*/data/N`),
/// ascending; those of no byte left out. Empty when it cannot be read.
std::vector<uint64_t> tensorRecordSizes(const std::filesystem::path& path);

}  // namespace gantry::io
