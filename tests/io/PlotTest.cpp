#include "gantry/io/Plot.h"

#include "gantry/core/Error.h"
#include "gantry/io/Chart.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "TestSupport.h"

namespace gantry::io {
namespace {

const torch::Tensor kBlue = torch::tensor({31, 119, 180}, torch::kUInt8);
const torch::Tensor kRed = torch::tensor({214, 39, 40}, torch::kUInt8);
const torch::Tensor kWhite = torch::tensor({255, 255, 255}, torch::kUInt8);

/// Mask [H, W] of pixels with exactly `color`.
torch::Tensor pixelsOf(const torch::Tensor& image, const torch::Tensor& color) {
  return image.eq(color.view({1, 1, 3})).all(2);
}

TEST(PlotTest, ScatterPointAtOriginColoursTheCentre) {
  const torch::Tensor image = scatterPlot(torch::zeros({1, 2}), {}, /*extent=*/3.0, /*size=*/101);
  ASSERT_EQ(image.sizes(), torch::IntArrayRef({101, 101, 3}));
  ASSERT_EQ(image.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(image[50][50], kBlue));
  // A 3 x 3 dot: exactly 9 blue pixels, centred.
  const torch::Tensor blue = pixelsOf(image, kBlue);
  EXPECT_EQ(blue.sum().item<int64_t>(), 9);
  EXPECT_TRUE(blue.slice(0, 49, 52).slice(1, 49, 52).all().item<bool>());
  // Background white, corners outside the frame too; no red without reference points.
  EXPECT_TRUE(torch::equal(image[0][0], kWhite));
  EXPECT_TRUE(torch::equal(image[25][75], kWhite));
  EXPECT_EQ(pixelsOf(image, kRed).sum().item<int64_t>(), 0);
  // The frame is grey (neither white, blue nor red) on all four sides.
  for (const auto& pixel : {image[7][50], image[93][50], image[50][7], image[50][93]}) {
    EXPECT_FALSE(torch::equal(pixel, kWhite));
    EXPECT_EQ(pixel[0].item<int>(), pixel[1].item<int>());
  }
}

TEST(PlotTest, ScatterUsesDefaultSizeAndOrientsAxes) {
  // (extent, extent) is the top-right corner of the plot area, (-extent, -extent) the bottom-left.
  const torch::Tensor image = scatterPlot(torch::tensor({{2.0f, 2.0f}, {-2.0f, -2.0f}}), {}, 2.0);
  ASSERT_EQ(image.sizes(), torch::IntArrayRef({400, 400, 3}));
  const torch::Tensor blue = pixelsOf(image, kBlue);
  EXPECT_TRUE(blue[8][391].item<bool>());
  EXPECT_TRUE(blue[391][8].item<bool>());
  EXPECT_FALSE(blue[391][391].item<bool>());
  // Points outside the extent are not drawn.
  const torch::Tensor outside = scatterPlot(torch::tensor({{5.0f, 0.0f}}), {}, 2.0);
  EXPECT_EQ(pixelsOf(outside, kBlue).sum().item<int64_t>(), 0);
}

TEST(PlotTest, ReferencePointsAreRedCrosses) {
  const torch::Tensor image = scatterPlot(torch::zeros({0, 2}), torch::zeros({1, 2}), 1.0, 101);
  const torch::Tensor red = pixelsOf(image, kRed);
  EXPECT_EQ(red.sum().item<int64_t>(), 13);  // two 7-px arms sharing the centre
  EXPECT_TRUE(red[50].slice(0, 47, 54).all().item<bool>());
  EXPECT_TRUE(red.select(1, 50).slice(0, 47, 54).all().item<bool>());
  EXPECT_FALSE(red[49][49].item<bool>());
}

TEST(PlotTest, HistogramDrawsBarsOnlyInTheOccupiedBin) {
  const int64_t width = 480;
  const int64_t height = 320;
  // 10 bins over [0, 10]: every value in bin 3.
  const torch::Tensor values = torch::full({50}, 3.5);
  const torch::Tensor image = histogramPlot(values, 0.0, 10.0, 10, {}, width, height);
  ASSERT_EQ(image.sizes(), torch::IntArrayRef({height, width, 3}));
  const torch::Tensor blueColumns = pixelsOf(image, kBlue).any(0).nonzero().flatten();
  ASSERT_GT(blueColumns.numel(), 0);
  const int64_t plotLeft = 8;
  const int64_t plotWidth = width - 16;
  EXPECT_EQ(blueColumns.min().item<int64_t>(), plotLeft + 3 * plotWidth / 10);
  EXPECT_EQ(blueColumns.max().item<int64_t>(), plotLeft + 4 * plotWidth / 10 - 1);
  // The only bar holds all the density, so it reaches the top of the plot area.
  const torch::Tensor blueRows = pixelsOf(image, kBlue).any(1).nonzero().flatten();
  EXPECT_EQ(blueRows.min().item<int64_t>(), 8);
  EXPECT_EQ(blueRows.max().item<int64_t>(), height - 9);
}

TEST(PlotTest, HistogramReferenceLineIsRedAndScalesTheBars) {
  const int64_t bins = 4;
  // Values spread evenly: density 0.25 per unit in each of 4 bins over [0, 4].
  const torch::Tensor values = torch::tensor({0.5, 1.5, 2.5, 3.5}).unsqueeze(1);
  // The reference peaks at 0.5, twice the bars, so the bars reach half the plot height.
  const torch::Tensor reference = torch::tensor({0.5, 0.5, 0.5, 0.5});
  const torch::Tensor image = histogramPlot(values, 0.0, 4.0, bins, reference, 200, 116);
  const torch::Tensor red = pixelsOf(image, kRed);
  const torch::Tensor redRows = red.any(1).nonzero().flatten();
  ASSERT_EQ(redRows.numel(), 1);  // a flat line at the top of the plot area
  EXPECT_EQ(redRows[0].item<int64_t>(), 8);
  // The line runs from the first bin centre to the last one.
  const torch::Tensor redColumns = red.any(0).nonzero().flatten();
  const int64_t plotWidth = 200 - 16;
  EXPECT_EQ(redColumns.min().item<int64_t>(), 8 + (plotWidth / 4 - 1) / 2);
  EXPECT_EQ(redColumns.numel(), redColumns.max().item<int64_t>() - redColumns.min().item<int64_t>() + 1);
  const torch::Tensor blueRows = pixelsOf(image, kBlue).any(1).nonzero().flatten();
  // Plot rows 8..107: a bar of half the maximum rises lround(99 / 2) = 50 rows above the bottom.
  EXPECT_EQ(blueRows.min().item<int64_t>(), 107 - 50);
  EXPECT_EQ(blueRows.max().item<int64_t>(), 107);
}

}  // namespace
}  // namespace gantry::io

TEST(PlotTest, AChartThatCannotBeWrittenIsOneUserErrorNotAnExit) {
  // PLplot ends the process when it cannot open its file; the chart's
  // temporary file beside the picture is a folder here, which no one can
  // open for writing.
  gantry::test::TempDir dir;
  const auto path = dir / "chart.png";
  std::filesystem::create_directories(dir / "chart.png.tmp.png");
  gantry::io::Chart chart;
  chart.xMin = chart.yMin = 0;
  chart.xMax = chart.yMax = 1;
  try {
    gantry::io::writeChartPng(path, chart);
    FAIL() << "a chart written where it cannot be";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + path.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}
