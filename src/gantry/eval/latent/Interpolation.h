#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace gantry::eval {

/// Linear interpolation (1 − t)·a + t·b of codes a, b [d].
torch::Tensor lerp(const torch::Tensor& a, const torch::Tensor& b, double t);

/// Spherical linear interpolation (White 2016, "Sampling Generative
/// Networks", eq. 1): with Ω the angle between a and b,
///
///   slerp(a, b; t) = sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b,
///
/// which follows the great circle and, for codes of equal norm, keeps the
/// norm. Under N(0, I_d) the norm of a code concentrates at √d, and the
/// midpoint of a straight line between two independent codes has norm about
/// √(d/2): a point G never saw in training. lerp when a and b are (nearly)
/// parallel, where the formula is 0/0.
torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t);

/// `steps` ≥ 2 points from a to b inclusive at t = i/(steps − 1), by
/// "lerp" or "slerp": [steps, d].
torch::Tensor interpolationPath(const torch::Tensor& a, const torch::Tensor& b, int64_t steps,
                                const std::string& method);

/// lerp, slerp.
const std::vector<std::string>& interpolationMethods();

}  // namespace gantry::eval
