#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace gantry::models {

/// Pointwise activations of the MLPs. Maxout is not pointwise and is handled
/// by the Maxout layer; here it only names the choice.
enum class Activation { ReLU, LeakyReLU, Tanh, Sigmoid, Identity, Maxout };

/// The slope of leaky ReLU for negative inputs (DCGAN's and the toy presets').
constexpr double kLeakyReluSlope = 0.2;

Activation parseActivation(const std::string& name);  // relu | leaky_relu | tanh | sigmoid | identity | maxout
std::string activationName(Activation activation);
/// The config names of the activations, from the one table that parses
/// them: all, the hidden layers' (pointwise or maxout), the outputs'.
const std::vector<std::string>& activationNames();
std::vector<std::string> hiddenActivationNames();
std::vector<std::string> outputActivationNames();

/// Applies a pointwise activation (leaky ReLU slope 0.2, as in DCGAN).
torch::Tensor applyActivation(Activation activation, const torch::Tensor& x);

/// The gradient of applyActivation's input from its output's, by the same
/// ATen kernels autograd uses: `input` and `output` are the forward's x and
/// applyActivation(x) (each formula needs only one of them).
torch::Tensor activationBackward(Activation activation, const torch::Tensor& grad, const torch::Tensor& input,
                                 const torch::Tensor& output);

}  // namespace gantry::models
