#pragma once

#include <torch/types.h>

#include <vector>

namespace gantry {

/// The index of the first tensor that holds a NaN or an infinity, or -1 when
/// every one is finite; one transfer from the device for all of them.
///
/// Through each tensor's sum in float64, which a NaN or an infinity makes
/// non-finite and finite float32 values cannot overflow: one pass without a
/// temporary, 5x faster than isfinite().all() (mnist-mlp's 3.7 M parameters:
/// 5 ms against 25 ms on one core, docs/reliability.md).
int64_t firstNonFinite(const std::vector<torch::Tensor>& tensors);

}  // namespace gantry
