#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace gantry::io {

/// Largest image decoded, in pixels (8192 x 8192): a header of a few bytes
/// can claim billions of pixels, which stb would decode (zero-filled) into
/// gigabytes before any check of ours.
constexpr int64_t kMaxDecodedPixels = int64_t{1} << 26;

/// Whether `path` names a picture gantry reads: .png, .jpg or .jpeg, in any
/// case of the name (image folders and gantry latent invert alike).
/// The extension of `path` in lower case (".PNG" → ".png").
std::string lowercaseExtension(const std::filesystem::path& path);

bool isImageFile(const std::filesystem::path& path);

/// An image decoded by stb: `channels` bytes per pixel, rows top to bottom.
struct DecodedImage {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::shared_ptr<unsigned char> pixels;  // freed with stb's own function
};

/// Decodes a PNG, JPEG or BMP file's `bytes` (stb reads by content, whatever
/// the name) into `channels` channels (1: stb's weighted grey, 3: RGB). One
/// UserError line naming `path` for: more than `maxPixels` pixels, a BMP cut
/// short (stb would fill its missing rows with zeros instead of failing: a
/// cut-short download would read as a picture half black), an image without
/// pixels, or anything stb cannot read. What every reader of user images
/// (image folders, gantry latent invert, gantry show) goes through.
DecodedImage decodeImage(const std::string& bytes, const std::filesystem::path& path, int channels,
                         int64_t maxPixels = kMaxDecodedPixels);

/// decodeImage of the file at `path` (a UserError naming it when it cannot be read).
DecodedImage readImageFile(const std::filesystem::path& path, int channels, int64_t maxPixels = kMaxDecodedPixels);

}  // namespace gantry::io
