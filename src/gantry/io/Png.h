#pragma once

#include <torch/types.h>

#include <filesystem>

namespace gantry::io {

/// Writes a uint8 image tensor [H, W] or [H, W, C] (C = 1, 3 or 4) as PNG,
/// atomically (temporary file, then rename). Throws gantry::UserError.
void writePng(const std::filesystem::path& path, const torch::Tensor& image);

/// Arranges images [N, C, H, W] with values in [0, 1] (clamped) into one
/// uint8 grid image [rows*(H+pad)+pad, cols*(W+pad)+pad, C] with `cols`
/// columns (rows as needed) and `pad` pixels of padding (value 255*padValue).
torch::Tensor makeGrid(const torch::Tensor& images, int64_t cols, int64_t pad = 2, double padValue = 1.0);

}  // namespace gantry::io
