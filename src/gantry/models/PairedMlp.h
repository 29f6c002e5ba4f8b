#pragma once

#include "gantry/models/Activation.h"

#include <torch/types.h>

#include <utility>
#include <vector>

namespace gantry::models {

/// A fully connected network's layers, as pairedMlp runs them.
struct MlpLayers {
  std::vector<torch::Tensor> weights;  // [out, in] each, as torch::nn::Linear's
  std::vector<torch::Tensor> biases;
  Activation activation = Activation::ReLU;  // after every layer but the last; pointwise (not maxout)
};

/// One network on two batches (D on the real and the generated batch) as a
/// single autograd node whose forward and backward run the two batches'
/// chains of layers on two threads at once (gantry/core/Overlap.h):
///   h₀ = x, hᵢ₊₁ = act((hᵢ ⊙ noiseᵢ) Wᵢᵀ + bᵢ), the last layer without act,
/// where noiseᵢ is a dropout multiplier (mask / keep) or undefined (none).
/// Each value, forward and backward, is computed by the same ATen kernel on
/// the same operands as autograd does for the layer-by-layer ops, and each
/// parameter's two terms are added as autograd adds them: outputs and
/// gradients are bit for bit those of the plain passes. Differentiable once:
/// a backward with create_graph (a gradient penalty's) throws, as the hidden
/// values it keeps carry no graph.
/// With `overlap` off, the two chains run one after the other on the caller.
std::pair<torch::Tensor, torch::Tensor> pairedMlp(const torch::Tensor& first, const torch::Tensor& second,
                                                  const MlpLayers& layers, const std::vector<torch::Tensor>& firstNoise,
                                                  const std::vector<torch::Tensor>& secondNoise, bool overlap = true);

}  // namespace gantry::models
