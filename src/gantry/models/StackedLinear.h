#pragma once

#include <torch/types.h>

namespace gantry::models {

/// N Linear layers of one shape applied at once, one to each member of a
/// population (population training): x [N, B, in], weight [N, out, in], bias
/// [N, 1, out] -> [N, B, out], row block n being x[n] W[n]ᵀ + b[n].
///
/// Each member's output and gradients are bit for bit those of
/// torch::nn::functional::linear on that member alone, when its product has
/// at least 400 multiply-adds (B × in × out). LibTorch 1.13 runs such a
/// batched product on the CPU as one BLAS call per member, the call a single
/// layer makes (smaller ones, by a loop of its own: equal to rounding). But
/// baddbmm's own backward takes the weight's gradient as xᵀg, where Linear's
/// takes gᵀx, and BLAS kernels may round the two differently (OpenBLAS's
/// Haswell kernels do): here it is gᵀx, as Linear's. The backward is made of
/// differentiable operations, so create_graph works through it.
///
/// With `overlap`, the second half of the members' products runs on the
/// helper thread (gantry/core/Overlap.h) beside the first, forward and
/// first-order backward: the same calls, the same results.
torch::Tensor stackedLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            bool overlap = false);

}  // namespace gantry::models
