#include "gantry/io/Png.h"

#include "gantry/core/AtomicFile.h"

#include <stb_image_write.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gantry::io {

namespace fs = std::filesystem;

void writePng(const fs::path& path, const torch::Tensor& image) {
  if (!image.defined() || image.scalar_type() != torch::kUInt8 || image.dim() < 2 || image.dim() > 3) {
    throw std::invalid_argument("writePng: expected a uint8 tensor [H, W] or [H, W, C]");
  }
  const int64_t channels = image.dim() == 3 ? image.size(2) : 1;
  if (channels != 1 && channels != 3 && channels != 4) {
    throw std::invalid_argument("writePng: expected 1, 3 or 4 channels, got " + std::to_string(channels));
  }
  if (image.size(0) < 1 || image.size(1) < 1 || image.size(0) > INT32_MAX || image.size(1) > INT32_MAX) {
    throw std::invalid_argument("writePng: image must have a positive size that fits in int");
  }
  const torch::Tensor pixels = image.to(torch::kCPU).contiguous();
  const int height = static_cast<int>(pixels.size(0));
  const int width = static_cast<int>(pixels.size(1));

  // Encoded in memory and written atomically: a viewer polling the file
  // during training never sees a half-written PNG.
  std::string png;
  const auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, width, height, static_cast<int>(channels), pixels.data_ptr(),
                              width * static_cast<int>(channels))) {
    throw std::runtime_error("writePng: stb could not encode " + path.string());
  }
  writeFileAtomic(path, png);
}

torch::Tensor makeGrid(const torch::Tensor& images, int64_t cols, int64_t pad, double padValue) {
  if (!images.defined() || (images.dim() != 4 && images.dim() != 3)) {
    throw std::invalid_argument("makeGrid: expected images [N, C, H, W]");
  }
  if (cols < 1 || pad < 0) throw std::invalid_argument("makeGrid: cols must be positive and pad non-negative");
  // [N, H, W] is accepted as single-channel for convenience.
  const torch::Tensor batch = images.dim() == 3 ? images.unsqueeze(1) : images;
  const int64_t count = batch.size(0);
  const int64_t channels = batch.size(1);
  const int64_t height = batch.size(2);
  const int64_t width = batch.size(3);
  const int64_t rows = (count + cols - 1) / cols;

  const torch::Tensor bytes = batch.detach()
                                  .to(torch::kCPU, torch::kFloat32)
                                  .clamp(0.0, 1.0)
                                  .mul(255.0)
                                  .round()
                                  .to(torch::kUInt8)
                                  .permute({0, 2, 3, 1});  // [N, H, W, C]
  const auto padByte = static_cast<uint8_t>(std::lround(std::clamp(padValue, 0.0, 1.0) * 255.0));
  torch::Tensor grid =
      torch::full({rows * (height + pad) + pad, cols * (width + pad) + pad, channels}, padByte, torch::kUInt8);
  for (int64_t k = 0; k < count; ++k) {
    const int64_t top = pad + (k / cols) * (height + pad);
    const int64_t left = pad + (k % cols) * (width + pad);
    grid.narrow(0, top, height).narrow(1, left, width).copy_(bytes[k]);
  }
  return grid;
}

}  // namespace gantry::io
