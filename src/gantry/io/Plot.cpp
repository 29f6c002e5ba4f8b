#include "gantry/io/Plot.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace gantry::io {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

// matplotlib's default blue and red, so gantry's plots look familiar next to notebook ones.
constexpr Rgb kBlue{31, 119, 180};
constexpr Rgb kRed{214, 39, 40};
constexpr Rgb kFrameGrey{160, 160, 160};
constexpr uint8_t kBackground = 255;
constexpr int64_t kMargin = 8;    // white border around the framed plot area
constexpr int64_t kCrossArm = 3;  // a cross is 2 * 3 + 1 = 7 px wide

/// A white RGB image [H, W, 3] with clipped pixel drawing.
class Canvas {
 public:
  Canvas(int64_t width, int64_t height)
      : width_(width),
        height_(height),
        image_(torch::full({height, width, 3}, kBackground, torch::kUInt8)),
        pixels_(image_.data_ptr<uint8_t>()) {}

  void set(int64_t x, int64_t y, Rgb color) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    uint8_t* pixel = pixels_ + (y * width_ + x) * 3;
    pixel[0] = color.r;
    pixel[1] = color.g;
    pixel[2] = color.b;
  }

  void fillRect(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb color) {  // inclusive corners
    for (int64_t y = y0; y <= y1; ++y) {
      for (int64_t x = x0; x <= x1; ++x) set(x, y, color);
    }
  }

  /// Bresenham's line, all octants.
  void line(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb color) {
    const int64_t dx = std::abs(x1 - x0);
    const int64_t dy = -std::abs(y1 - y0);
    const int64_t stepX = x0 < x1 ? 1 : -1;
    const int64_t stepY = y0 < y1 ? 1 : -1;
    int64_t error = dx + dy;
    while (true) {
      set(x0, y0, color);
      if (x0 == x1 && y0 == y1) break;
      const int64_t twice = 2 * error;
      if (twice >= dy) {
        error += dy;
        x0 += stepX;
      }
      if (twice <= dx) {
        error += dx;
        y0 += stepY;
      }
    }
  }

  /// A 1-px frame just outside the plot area [left, right] x [top, bottom].
  void frame(int64_t left, int64_t top, int64_t right, int64_t bottom) {
    line(left - 1, top - 1, right + 1, top - 1, kFrameGrey);
    line(left - 1, bottom + 1, right + 1, bottom + 1, kFrameGrey);
    line(left - 1, top - 1, left - 1, bottom + 1, kFrameGrey);
    line(right + 1, top - 1, right + 1, bottom + 1, kFrameGrey);
  }

  torch::Tensor image() const { return image_; }

 private:
  int64_t width_;
  int64_t height_;
  torch::Tensor image_;
  uint8_t* pixels_;
};

torch::Tensor pointsAsDouble(const torch::Tensor& points, const char* what) {
  if (!points.defined() || points.numel() == 0) return torch::zeros({0, 2}, torch::kFloat64);
  if (points.dim() != 2 || points.size(1) != 2) {
    throw std::invalid_argument(std::string("scatterPlot: ") + what + " must be [N, 2]");
  }
  return points.detach().to(torch::kCPU, torch::kFloat64).contiguous();
}

}  // namespace

torch::Tensor scatterPlot(const torch::Tensor& points, const torch::Tensor& reference, double extent, int64_t size) {
  if (!(extent > 0) || size < 2 * kMargin + 8) {
    throw std::invalid_argument("scatterPlot: extent must be positive and size at least 24");
  }
  Canvas canvas(size, size);
  const int64_t first = kMargin;
  const int64_t last = size - 1 - kMargin;
  canvas.frame(first, first, last, last);
  const double span = static_cast<double>(last - first);
  // Points outside [-extent, extent]^2 are dropped rather than piled up on the frame.
  const auto toPixel = [&](double x, double y, int64_t* column, int64_t* row) {
    if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > extent || std::abs(y) > extent) return false;
    *column = first + std::lround((x + extent) / (2 * extent) * span);
    *row = first + std::lround((extent - y) / (2 * extent) * span);  // y grows upwards
    return true;
  };

  const torch::Tensor generated = pointsAsDouble(points, "points");
  const auto generatedAt = generated.accessor<double, 2>();
  for (int64_t i = 0; i < generated.size(0); ++i) {
    int64_t column = 0;
    int64_t row = 0;
    if (toPixel(generatedAt[i][0], generatedAt[i][1], &column, &row)) {
      canvas.fillRect(column - 1, row - 1, column + 1, row + 1, kBlue);
    }
  }
  // Reference crosses go on top: with many samples on a mode, the mode must stay visible.
  const torch::Tensor modes = pointsAsDouble(reference, "reference");
  const auto modesAt = modes.accessor<double, 2>();
  for (int64_t i = 0; i < modes.size(0); ++i) {
    int64_t column = 0;
    int64_t row = 0;
    if (toPixel(modesAt[i][0], modesAt[i][1], &column, &row)) {
      canvas.line(column - kCrossArm, row, column + kCrossArm, row, kRed);
      canvas.line(column, row - kCrossArm, column, row + kCrossArm, kRed);
    }
  }
  return canvas.image();
}

torch::Tensor histogramPlot(const torch::Tensor& values, double lo, double hi, int64_t bins,
                            const torch::Tensor& referenceDensity, int64_t width, int64_t height) {
  if (!values.defined() || values.dim() < 1 || values.dim() > 2 || (values.dim() == 2 && values.size(1) != 1)) {
    throw std::invalid_argument("histogramPlot: values must be [N] or [N, 1]");
  }
  if (!(hi > lo) || bins < 1) throw std::invalid_argument("histogramPlot: need hi > lo and bins >= 1");
  if (width < 2 * kMargin + bins || height < 2 * kMargin + 8) {
    throw std::invalid_argument("histogramPlot: image too small for the number of bins");
  }
  if (referenceDensity.defined() && (referenceDensity.dim() != 1 || referenceDensity.size(0) != bins)) {
    throw std::invalid_argument("histogramPlot: referenceDensity must be [bins]");
  }

  // Density (count / (in-range total * bin width)) so the bars compare directly with the reference.
  const torch::Tensor flat = values.detach().to(torch::kCPU, torch::kFloat64).reshape({-1}).contiguous();
  const auto flatAt = flat.accessor<double, 1>();
  std::vector<int64_t> counts(bins, 0);
  int64_t inRange = 0;
  for (int64_t i = 0; i < flat.size(0); ++i) {
    const double v = flatAt[i];
    if (!(v >= lo && v <= hi)) continue;  // also drops NaN
    const auto bin = std::min(bins - 1, static_cast<int64_t>((v - lo) / (hi - lo) * static_cast<double>(bins)));
    ++counts[bin];
    ++inRange;
  }
  const double binWidth = (hi - lo) / static_cast<double>(bins);
  std::vector<double> density(bins, 0.0);
  std::vector<double> reference;
  double maxDensity = 0.0;
  for (int64_t b = 0; b < bins; ++b) {
    density[b] = inRange > 0 ? static_cast<double>(counts[b]) / (static_cast<double>(inRange) * binWidth) : 0.0;
    maxDensity = std::max(maxDensity, density[b]);
  }
  if (referenceDensity.defined()) {
    const torch::Tensor ref = referenceDensity.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    reference.assign(ref.data_ptr<double>(), ref.data_ptr<double>() + bins);
    for (double d : reference) {
      if (std::isfinite(d)) maxDensity = std::max(maxDensity, d);
    }
  }
  if (maxDensity <= 0.0) maxDensity = 1.0;

  Canvas canvas(width, height);
  const int64_t left = kMargin;
  const int64_t right = width - 1 - kMargin;
  const int64_t top = kMargin;
  const int64_t bottom = height - 1 - kMargin;
  canvas.frame(left, top, right, bottom);
  const int64_t plotWidth = right - left + 1;
  const double plotHeight = static_cast<double>(bottom - top);
  const auto binLeft = [&](int64_t b) { return left + b * plotWidth / bins; };
  const auto rowOf = [&](double d) { return bottom - std::lround(std::clamp(d / maxDensity, 0.0, 1.0) * plotHeight); };

  for (int64_t b = 0; b < bins; ++b) {
    if (counts[b] == 0) continue;
    // A non-empty bin gets at least one pixel row, so rare values stay visible.
    const int64_t barTop = std::min(rowOf(density[b]), bottom);
    canvas.fillRect(binLeft(b), barTop, binLeft(b + 1) - 1, bottom, kBlue);
  }
  if (!reference.empty()) {
    int64_t previousX = 0;
    int64_t previousY = 0;
    bool havePrevious = false;
    for (int64_t b = 0; b < bins; ++b) {
      if (!std::isfinite(reference[b])) {
        havePrevious = false;
        continue;
      }
      const int64_t x = (binLeft(b) + binLeft(b + 1) - 1) / 2;
      const int64_t y = rowOf(reference[b]);
      if (havePrevious) {
        canvas.line(previousX, previousY, x, y, kRed);
      } else {
        canvas.set(x, y, kRed);
      }
      previousX = x;
      previousY = y;
      havePrevious = true;
    }
  }
  return canvas.image();
}

}  // namespace gantry::io
