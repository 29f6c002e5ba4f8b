#include "gantry/models/Activation.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

Activation parseActivation(const std::string& name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "leaky_relu") return Activation::LeakyReLU;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "identity") return Activation::Identity;
  if (name == "maxout") return Activation::Maxout;
  throw std::invalid_argument("unknown activation '" + name + "'");
}

std::string activationName(Activation activation) {
  switch (activation) {
    case Activation::ReLU:
      return "relu";
    case Activation::LeakyReLU:
      return "leaky_relu";
    case Activation::Tanh:
      return "tanh";
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::Identity:
      return "identity";
    case Activation::Maxout:
      return "maxout";
  }
  return "?";
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
