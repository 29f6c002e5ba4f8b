#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>

namespace gantry::io {

/// Reads a PNG/JPEG as a uint8 RGB tensor [H, W, 3] (io::readImageFile:
/// its size capped, a cut-short BMP refused). Throws UserError naming the
/// file when it cannot be read.
torch::Tensor readRgbImage(const std::filesystem::path& path);

/// Text that draws an RGB image [H, W, 3] in a terminal, at most `maxWidth`
/// characters wide (shrunk by an integer factor, averaging blocks). With
/// `color`, each character is an upper half block with 24-bit foreground
/// (top pixel) and background (bottom pixel) colours; without, a gray ramp
/// " .:-=+*#%@" with one character per 2 rows.
std::string renderForTerminal(const torch::Tensor& image, int64_t maxWidth, bool color);

}  // namespace gantry::io
