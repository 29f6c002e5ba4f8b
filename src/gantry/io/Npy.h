#pragma once

#include <torch/types.h>

#include <filesystem>

namespace gantry::io {

/// Writes a tensor as a NumPy .npy file (format 1.0, little-endian, C order).
/// float32 tensors are written as '<f4', int64 as '<i8', uint8 as '|u1'.
/// Written atomically (temporary file, then rename).
void writeNpy(const std::filesystem::path& path, const torch::Tensor& tensor);

/// Reads a .npy file written by writeNpy or NumPy ('<f4', '<f8', '<i8', '|u1',
/// C order). Throws gantry::UserError naming the file when it is not valid.
torch::Tensor readNpy(const std::filesystem::path& path);

}  // namespace gantry::io
