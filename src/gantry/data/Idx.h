#pragma once

#include <torch/types.h>

#include <filesystem>

namespace gantry::data {

/// Reads an IDX file (the MNIST format: magic 0x00 0x00 type ndim, big-endian
/// int32 dims, then the data), plain or gzip-compressed (detected from the
/// content, not the name). Only the unsigned-byte type (0x08) is supported.
/// Returns a uint8 tensor with the file's dims. Throws gantry::UserError with
/// a one-line message naming the file on a missing, truncated or corrupt file.
torch::Tensor readIdx(const std::filesystem::path& path);

/// Writes a uint8 tensor as an IDX file, gzip-compressed if `gzip`.
void writeIdx(const std::filesystem::path& path, const torch::Tensor& data, bool gzip);

}  // namespace gantry::data
