#pragma once

#include <torch/types.h>

namespace gantry::io {

/// Small rasterised plots for low-dimensional samples, so toy runs get a
/// picture just like image runs do. Both return uint8 RGB images [H, W, 3].

/// Scatter plot of points [N, 2] (generated, drawn in blue) over optional
/// reference points [M, 2] (e.g. the mixture's modes, drawn as red crosses),
/// in the square [-extent, extent]^2, with a light axis frame.
torch::Tensor scatterPlot(const torch::Tensor& points, const torch::Tensor& reference, double extent,
                          int64_t size = 400);

/// Histogram of values [N] (or [N, 1]) over [lo, hi] in `bins` bins, drawn as
/// blue bars; if `referenceDensity` is defined ([bins], a density over the
/// same bins), it is overlaid as a red line.
torch::Tensor histogramPlot(const torch::Tensor& values, double lo, double hi, int64_t bins,
                            const torch::Tensor& referenceDensity, int64_t width = 480, int64_t height = 320);

}  // namespace gantry::io
