#pragma once

#include <torch/types.h>

#include <utility>

namespace gantry::models {

/// One Linear layer (y = x Wᵀ + b) applied to two batches, as one autograd
/// node. The outputs and every gradient are bit for bit those of two separate
/// calls of torch::nn::functional::linear; what changes is how the weight's
/// gradient is formed. Two calls give autograd two products, gᵣᵀxᵣ and gᶠᵀxᶠ,
/// that it adds in a further pass over the weight; here the second product is
/// accumulated into the first by the matrix multiply itself (beta = 1), which
/// rounds the same way and saves that pass and one node per use.
///
/// Inputs are 2-D and weight/bias as torch::nn::Linear's. Gradients are
/// computed only for what the running backward pass asks for; the backward is
/// made of differentiable operations, so create_graph works through it.
/// With `overlap`, the two batches' products run on two threads.
std::pair<torch::Tensor, torch::Tensor> pairedLinear(const torch::Tensor& first, const torch::Tensor& second,
                                                     const torch::Tensor& weight, const torch::Tensor& bias,
                                                     bool overlap = false);

/// torch::nn::functional::linear on a 2-D input, same values and gradients
/// bit for bit, whose backward computes the input's gradient beside the
/// weight's and bias's (gantry/core/Overlap.h) instead of after them, when
/// `overlap` is on.
torch::Tensor overlappedLinear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                               bool overlap);

}  // namespace gantry::models
