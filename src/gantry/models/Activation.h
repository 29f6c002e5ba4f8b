#pragma once

#include <torch/types.h>

#include <string>

namespace gantry::models {

/// Pointwise activations of the MLPs. Maxout is not pointwise and is handled
/// by the Maxout layer; here it only names the choice.
enum class Activation { ReLU, LeakyReLU, Tanh, Sigmoid, Identity, Maxout };

Activation parseActivation(const std::string& name);  // relu | leaky_relu | tanh | sigmoid | identity | maxout
std::string activationName(Activation activation);

/// Applies a pointwise activation (leaky ReLU slope 0.2, as in DCGAN).
torch::Tensor applyActivation(Activation activation, const torch::Tensor& x);

}  // namespace gantry::models
