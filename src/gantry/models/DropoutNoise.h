#pragma once

#include <torch/types.h>

namespace gantry::models {

/// Dropout's multipliers for a batch: each entry 1/keep with probability
/// `keep`, else 0. Bit for bit what ATen's dropout multiplies by,
/// torch::empty(shape).bernoulli_(keep).div_(keep), drawing the same numbers
/// from the default CPU generator in the same order (two 32-bit draws of its
/// mt19937 per entry), so a run is the same with either. keep = 0 gives
/// zeros and draws nothing, as ATen's dropout does for p = 1.
///
/// Why not ATen's: its CPU Bernoulli calls the generator through a function
/// per entry, ~11 ns each; here the generator's mt19937 state is advanced in
/// bulk and the draw compared as an integer. On another device or dtype this
/// is ATen's own call.
torch::Tensor dropoutMultipliers(at::IntArrayRef shape, double keep, const torch::TensorOptions& options);

}  // namespace gantry::models
