#pragma once

#include "gantry/data/GaussianMixture.h"

#include <torch/types.h>

namespace gantry::train {

/// The half-width of the square a 2-d toy's pictures show: the modes with
/// room around them.
double toyPlotExtent(const data::GaussianMixture& toy);

/// A picture of generated samples, as a uint8 RGB or gray image [H, W, C]:
/// a grid for images [N, C, H, W]; a scatter plot over the mixture's modes
/// for 2-d samples; a histogram over the true density for 1-d samples.
/// `reference` (the toy distribution, may be null) sets the plot's range.
torch::Tensor renderSamples(const torch::Tensor& samples, const data::GaussianMixture* reference);

}  // namespace gantry::train
