#include "gantry/io/ImageFile.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <stb_image.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

namespace gantry::io {

namespace {

uint32_t littleEndian(const std::string& bytes, size_t at, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

/// Whether an uncompressed BMP ends before its rows do.
bool bmpCutShort(const std::string& bytes) {
  if (bytes.size() < 34 || bytes[0] != 'B' || bytes[1] != 'M' || littleEndian(bytes, 14, 4) < 40) return false;
  const uint32_t compression = littleEndian(bytes, 30, 4);
  if (compression != 0 && compression != 3) return false;  // run-length coded: stb's own checks
  const int64_t offset = littleEndian(bytes, 10, 4);
  const int64_t width = std::abs(static_cast<int64_t>(static_cast<int32_t>(littleEndian(bytes, 18, 4))));
  const int64_t height = std::abs(static_cast<int64_t>(static_cast<int32_t>(littleEndian(bytes, 22, 4))));
  const int64_t bits = littleEndian(bytes, 28, 2);
  const int64_t rowBytes = (bits * width + 31) / 32 * 4;
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (rowBytes == 0 || height == 0) return false;  // no pixels: refused after decoding
  return offset > size || height > (size - offset) / rowBytes;
}

}  // namespace

std::string lowercaseExtension(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool isImageFile(const std::filesystem::path& path) {
  const std::string extension = lowercaseExtension(path);
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

DecodedImage decodeImage(const std::string& bytes, const std::filesystem::path& path, int channels, int64_t maxPixels) {
  DecodedImage image;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(std::min<size_t>(bytes.size(), std::numeric_limits<int>::max()));
  int sourceChannels = 0;
  if (stbi_info_from_memory(data, length, &image.width, &image.height, &sourceChannels) &&
      static_cast<int64_t>(image.width) * image.height > maxPixels)
    throw UserError(
        fmt::format("image {} is {}x{} pixels, more than the {} gantry decodes per image; shrink it or "
                    "remove it",
                    path.string(), image.width, image.height, maxPixels));
  if (bmpCutShort(bytes))
    throw UserError(
        fmt::format("image {} is cut short: its BMP header promises more rows than the file's {} bytes "
                    "hold; replace the file",
                    path.string(), bytes.size()));
  unsigned char* pixels = stbi_load_from_memory(data, length, &image.width, &image.height, &sourceChannels, channels);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    throw UserError(fmt::format("cannot read image {} ({}); remove or replace the file", path.string(),
                                reason ? reason : "unknown error"));
  }
  image.pixels = std::shared_ptr<unsigned char>(pixels, [](unsigned char* p) { stbi_image_free(p); });
  image.channels = channels;
  // stb hands back some headers' empty images (a BMP of width 0), which its
  // resampler asserts on and which hold nothing to look at.
  if (image.width < 1 || image.height < 1)
    throw UserError(fmt::format("image {} has no pixels ({}x{}); remove or replace the file", path.string(),
                                image.width, image.height));
  return image;
}

DecodedImage readImageFile(const std::filesystem::path& path, int channels, int64_t maxPixels) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError(fmt::format("cannot read image {}: no such file; check the path", path.string()));
  return decodeImage(readTextFile(path), path, channels, maxPixels);
}

}  // namespace gantry::io
