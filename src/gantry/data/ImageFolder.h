#pragma once

#include "gantry/data/DatasetEntry.h"
#include "gantry/data/TensorDataset.h"
#include "gantry/io/ImageFile.h"

#include <filesystem>

namespace gantry::data {

/// Largest height or width images are resized to: guards against a typo
/// like 28000 allocating gigabytes per image (config key image_size's range).
constexpr int64_t kMaxImageSide = 8192;

struct ImageFolderOptions {
  int64_t height = 28;
  int64_t width = 28;
  bool grayscale = true;  // 1 channel; otherwise 3 (RGB)
  // Largest source image decoded, in pixels (io::decodeImage).
  int64_t maxSourcePixels = io::kMaxDecodedPixels;
};

/// Loads every .png/.jpg/.jpeg (any case) below `root`, recursively, in sorted
/// path order, resized to height x width (stb's resampler) as float
/// [N, C, H, W] in [0, 1]. Labels are the index of the image's top-level
/// subfolder (sorted), or 0 when images sit directly in `root`. Subfolders
/// that are symbolic links are followed (a class linked in from elsewhere).
/// Throws gantry::UserError naming the file for an unreadable image, and
/// naming the folder when it is missing, holds no image, or holds images at
/// its top level beside class subfolders.
TensorDataset loadImageFolder(const std::filesystem::path& root, const ImageFolderOptions& options);

/// The dataset `images`: the folder data_dir, resized to image_size, grey or
/// RGB.
DatasetEntry imageFolderDataset();

}  // namespace gantry::data
