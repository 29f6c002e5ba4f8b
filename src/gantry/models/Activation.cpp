#include "gantry/models/Activation.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

namespace {

struct NamedActivation {
  const char* name;
  Activation activation;
  bool hidden;  // a choice for hidden layers
  bool output;  // a choice for a generator's output
};

constexpr NamedActivation kActivations[] = {
    {"relu", Activation::ReLU, true, false},         {"leaky_relu", Activation::LeakyReLU, true, false},
    {"tanh", Activation::Tanh, true, true},          {"sigmoid", Activation::Sigmoid, false, true},
    {"identity", Activation::Identity, false, true}, {"maxout", Activation::Maxout, true, false},
};

}  // namespace

Activation parseActivation(const std::string& name) {
  for (const auto& a : kActivations)
    if (name == a.name) return a.activation;
  throw std::invalid_argument("unknown activation '" + name + "'");
}

std::string activationName(Activation activation) {
  for (const auto& a : kActivations)
    if (a.activation == activation) return a.name;
  return "?";
}

const std::vector<std::string>& activationNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& a : kActivations) all.push_back(a.name);
    return all;
  }();
  return names;
}

std::vector<std::string> hiddenActivationNames() {
  std::vector<std::string> names;
  for (const auto& a : kActivations)
    if (a.hidden) names.push_back(a.name);
  return names;
}

std::vector<std::string> outputActivationNames() {
  std::vector<std::string> names;
  for (const auto& a : kActivations)
    if (a.output) names.push_back(a.name);
  return names;
}

torch::Tensor applyActivation(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::ReLU:
      return torch::relu(x);
    case Activation::LeakyReLU:
      return torch::leaky_relu(x, kLeakyReluSlope);
    case Activation::Tanh:
      return torch::tanh(x);
    case Activation::Sigmoid:
      return torch::sigmoid(x);
    case Activation::Identity:
      return x;
    case Activation::Maxout:
      break;
  }
  throw std::invalid_argument("maxout is a layer, not a pointwise activation");
}

torch::Tensor activationBackward(Activation activation, const torch::Tensor& grad, const torch::Tensor& input,
                                 const torch::Tensor& output) {
  // LibTorch 1.13's derivatives (tools/autograd/derivatives.yaml), so that
  // the values are those autograd computes for applyActivation.
  switch (activation) {
    case Activation::ReLU:
      return at::threshold_backward(grad, output, 0);
    case Activation::LeakyReLU:
      return at::leaky_relu_backward(grad, input, kLeakyReluSlope, /*self_is_result=*/false);
    case Activation::Tanh:
      return at::tanh_backward(grad, output);
    case Activation::Sigmoid:
      return at::sigmoid_backward(grad, output);
    case Activation::Identity:
      return grad;
    case Activation::Maxout:
      break;
  }
  throw std::invalid_argument("maxout is a layer, not a pointwise activation");
}

}  // namespace gantry::models
