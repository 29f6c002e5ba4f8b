#include "gantry/io/Chart.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace gantry::io {

namespace {

// PLplot keeps one global stream state: one chart at a time.
std::mutex plplotMutex;

bool hasPngDriver() {
  const char** menu = nullptr;
  const char** names = nullptr;
  int count = 0;
  // plgDevs fills arrays of pointers into PLplot's own table.
  std::vector<const char*> menuBuffer(128), nameBuffer(128);
  menu = menuBuffer.data();
  names = nameBuffer.data();
  count = 128;
  plgDevs(&menu, &names, &count);
  for (int i = 0; i < count; ++i)
    if (names[i] && std::string(names[i]) == "pngcairo") return true;
  return false;
}

UserError unwritable(const std::filesystem::path& path) {
  return UserError(fmt::format("cannot write {}: check that its folder exists and is writable", path.string()));
}

// cmap0 indices: 0 background, 1 frame and text, 2 arrows, 3.. the series.
constexpr int kFrame = 1, kArrows = 2, kFirstSeries = 3;

}  // namespace

Rgb palette(size_t index) {
  static const Rgb colours[] = {{31, 119, 180},  {214, 39, 40}, {44, 160, 44},   {255, 127, 14},
                                {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}};
  return colours[index % 8];
}

void writeChartPng(const std::filesystem::path& path, const Chart& chart) {
  std::lock_guard<std::mutex> lock(plplotMutex);
  if (!hasPngDriver())
    throw UserError(
        fmt::format("cannot draw {}: PLplot's cairo driver is missing; install plplot-driver-cairo "
                    "(scripts/setup does)",
                    path.string()));
  auto temporary = path;
  temporary += ".tmp.png";
  // PLplot ends the process (plexit) when it cannot open its file: opened
  // here first, a folder that cannot be written is this function's error.
  std::FILE* probe = std::fopen(temporary.c_str(), "wb");
  if (!probe) throw unwritable(path);
  std::fclose(probe);
  plsdev("pngcairo");
  plsfnam(temporary.c_str());
  plspage(0, 0, chart.width, chart.height, 0, 0);
  plscol0(0, 255, 255, 255);
  plscol0(kFrame, 40, 40, 40);
  plscol0(kArrows, 160, 160, 160);
  for (size_t i = 0; i < chart.series.size() && i < 12; ++i) {
    const auto& c = chart.series[i].color;
    plscol0(kFirstSeries + static_cast<int>(i), c.r, c.g, c.b);
  }
  plinit();
  plcol0(kFrame);
  plenv(chart.xMin, chart.xMax, chart.yMin, chart.yMax, chart.equalAspect ? 1 : 0, 0);
  pllab(chart.xLabel.c_str(), chart.yLabel.c_str(), chart.title.c_str());
  if (chart.arrows) {
    const auto& a = *chart.arrows;
    const auto nx = static_cast<PLINT>(a.xs.size()), ny = static_cast<PLINT>(a.ys.size());
    PLFLT **u = nullptr, **v = nullptr;
    plAlloc2dGrid(&u, nx, ny);
    plAlloc2dGrid(&v, nx, ny);
    // Arrows of one length (the direction; the field's size varies over
    // orders of magnitude), a cell's 0.8 long.
    for (PLINT i = 0; i < nx; ++i)
      for (PLINT j = 0; j < ny; ++j) {
        const double du = a.u[static_cast<size_t>(i * ny + j)], dv = a.v[static_cast<size_t>(i * ny + j)];
        const double norm = std::hypot(du, dv);
        u[i][j] = norm > 0 ? du / norm : 0;
        v[i][j] = norm > 0 ? dv / norm : 0;
      }
    PLcGrid grid;
    std::vector<PLFLT> xs(a.xs.begin(), a.xs.end()), ys(a.ys.begin(), a.ys.end());
    grid.xg = xs.data();
    grid.yg = ys.data();
    grid.nx = nx;
    grid.ny = ny;
    const double cell = nx > 1 ? (a.xs.back() - a.xs.front()) / (nx - 1) : 1.0;
    plcol0(kArrows);
    plwidth(1);
    plvect(u, v, nx, ny, 0.8 * cell, pltr1, &grid);
    plFree2dGrid(u, nx, ny);
    plFree2dGrid(v, nx, ny);
  }
  std::vector<PLINT> options, colours, styles;
  std::vector<PLFLT> widths;
  std::vector<const char*> labels;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    const int colour = kFirstSeries + static_cast<int>(std::min<size_t>(i, 11));
    plcol0(colour);
    plwidth(2);
    pllsty(s.dashed ? 2 : 1);
    std::vector<PLFLT> x(s.x.begin(), s.x.end()), y(s.y.begin(), s.y.end());
    if (!x.empty() && s.points)
      plpoin(static_cast<PLINT>(x.size()), x.data(), y.data(), 4);  // a circle
    else if (!x.empty())
      plline(static_cast<PLINT>(x.size()), x.data(), y.data());
    if (!s.label.empty()) {
      options.push_back(PL_LEGEND_LINE);
      colours.push_back(colour);
      styles.push_back(s.dashed ? 2 : 1);
      widths.push_back(2);
      labels.push_back(s.label.c_str());
    }
  }
  pllsty(1);
  if (!labels.empty()) {
    const auto n = static_cast<PLINT>(labels.size());
    std::vector<PLINT> textColours(labels.size(), kFrame), zeros(labels.size(), 0);
    std::vector<PLFLT> ones(labels.size(), 1.0);
    std::vector<const char*> noSymbols(labels.size(), "");
    PLFLT legendWidth = 0, legendHeight = 0;
    pllegend(&legendWidth, &legendHeight, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE, 0.02, 0.02, 0.1, 0, kFrame, 1, 0, 0, n,
             options.data(), 1.0, 0.8, 2.0, 0.0, textColours.data(), labels.data(), nullptr, nullptr, nullptr, nullptr,
             colours.data(), styles.data(), widths.data(), zeros.data(), ones.data(), zeros.data(), noSymbols.data());
  }
  plend();
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw unwritable(path);
  }
}

}  // namespace gantry::io
