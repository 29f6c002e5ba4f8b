#include "gantry/io/TerminalImage.h"

#include "gantry/io/ImageFile.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::io {

torch::Tensor readRgbImage(const std::filesystem::path& path) {
  const auto image = readImageFile(path, 3);
  return torch::from_blob(image.pixels.get(), {image.height, image.width, 3}, torch::kUInt8).clone();
}

std::string renderForTerminal(const torch::Tensor& image, int64_t maxWidth, bool color) {
  auto rgb = image.to(torch::kFloat32);
  const int64_t factor = std::max<int64_t>(1, (rgb.size(1) + maxWidth - 1) / maxWidth);
  if (factor > 1) {
    // Average factor x factor blocks (channels first for avg_pool2d).
    rgb = torch::avg_pool2d(rgb.permute({2, 0, 1}).unsqueeze(0), factor, factor, 0, true).squeeze(0).permute({1, 2, 0});
  }
  rgb = rgb.round().clamp(0, 255).to(torch::kUInt8).contiguous();
  const int64_t height = rgb.size(0), width = rgb.size(1);
  auto pixel = [&](int64_t y, int64_t x, int c) -> int {
    return y < height ? rgb.data_ptr<uint8_t>()[(y * width + x) * 3 + c] : 0;
  };
  std::string out;
  const std::string ramp = " .:-=+*#%@";
  for (int64_t y = 0; y < height; y += 2) {
    for (int64_t x = 0; x < width; ++x) {
      if (color) {
        out += fmt::format("\x1b[38;2;{};{};{}m\x1b[48;2;{};{};{}m\u2580", pixel(y, x, 0), pixel(y, x, 1),
                           pixel(y, x, 2), pixel(y + 1, x, 0), pixel(y + 1, x, 1), pixel(y + 1, x, 2));
      } else {
        double gray = 0;
        for (int c = 0; c < 3; ++c) gray += (pixel(y, x, c) + pixel(std::min(y + 1, height - 1), x, c)) / 6.0;
        out += ramp[static_cast<size_t>(gray / 256.0 * static_cast<double>(ramp.size()))];
      }
    }
    out += color ? "\x1b[0m\n" : "\n";
  }
  return out;
}

}  // namespace gantry::io
