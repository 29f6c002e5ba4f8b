// libFuzzer target: an image folder holding the input as its one image
// (gantry::data::loadImageFolder: stb's decoders, then the resize to the
// configured size). stb reads PNG, JPEG, BMP, GIF and the rest by content.
#include "FuzzSupport.h"

#include "gantry/data/ImageFolder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = gantry::fuzz::scratchFile("images/a/input.png");
  static const bool made = (std::filesystem::create_directories(path.parent_path()), true);
  (void)made;
  gantry::fuzz::writeBytes(path, data, size);
  gantry::data::ImageFolderOptions options;
  options.height = 16;
  options.width = 16;
  options.grayscale = size % 2 == 0;  // both of stb's channel conversions
  // The refusal of oversized sources is the same code at any limit; a small
  // one keeps each execution quick: a 57-byte BMP claiming 12.6 million
  // pixels, within the default limit, took 14 s to decode here under ASan.
  options.maxSourcePixels = int64_t{1} << 16;
  gantry::fuzz::expectReadOrUserError(
      [&] { (void)gantry::data::loadImageFolder(path.parent_path().parent_path(), options); });
  return 0;
}
