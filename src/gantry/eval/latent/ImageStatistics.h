#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace gantry::eval {

/// Per image of a batch [N, C, H, W] (pixels in [0, 1], ink bright, as in
/// MNIST): the mean pixel value, over channels. Thicker strokes, more ink.
torch::Tensor inkOf(const torch::Tensor& images);

/// Per image: the slant of its strokes from the second moments of the pixel
/// mass (channels summed), shear = −μ11 / μ02 with x to the right and y
/// down, the quantity MNIST deskewing removes (x' = x + shear·(y − ȳ)).
/// Positive for strokes that lean right from bottom to top ("/"), negative
/// for "\"; 0 for an empty image.
torch::Tensor slantOf(const torch::Tensor& images);

/// ink, slant: the image statistics latent arithmetic groups by.
const std::vector<std::string>& imageStatistics();
/// The statistic of that name (one of imageStatistics()).
torch::Tensor imageStatistic(const std::string& name, const torch::Tensor& images);

}  // namespace gantry::eval
