#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::io {

/// Line charts and vector fields drawn by PLplot (Debian's libplplot-dev and
/// its cairo driver), for the figures of the dynamics tools: phase portraits
/// of the Dirac-GAN, the 2014 paper's Figure 1, path angles.
///
///   io::Chart chart{"Dirac-GAN", "theta", "psi", -2, 2, -2, 2};
///   chart.series.push_back({xs, ys, "simultaneous", io::palette(0)});
///   io::writeChartPng("portrait.png", chart);

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};
/// Distinct colours for up to 8 series (repeating after that).
Rgb palette(size_t index);

struct ChartSeries {
  std::vector<double> x, y;
  std::string label;  // empty: not in the legend
  Rgb color;
  bool dashed = false;
  bool points = false;  // markers at the points instead of a line
};

/// Arrows of a vector field on a grid: xs × ys, u and v indexed [i · ys.size() + j].
struct ChartArrows {
  std::vector<double> xs, ys, u, v;
};

struct Chart {
  std::string title, xLabel, yLabel;
  double xMin = 0, xMax = 1, yMin = 0, yMax = 1;
  std::vector<ChartSeries> series;
  std::optional<ChartArrows> arrows;
  bool equalAspect = false;
  int width = 720, height = 540;
};

/// Draws the chart into a PNG, atomically (a temporary file beside it,
/// renamed over it). Throws UserError naming the file when it cannot be
/// written or PLplot's cairo driver is missing.
void writeChartPng(const std::filesystem::path& path, const Chart& chart);

}  // namespace gantry::io
