#include "gantry/models/CnnClassifier.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

CnnClassifierImpl::CnnClassifierImpl(CnnClassifierOptions options) : options_(std::move(options)) {
  if (options_.image_size() % 4 != 0)
    throw std::invalid_argument("CnnClassifier: the image size must be a multiple of 4 (two 2x2 poolings)");
  reset();
}

void CnnClassifierImpl::reset() {
  const auto& o = options_;
  conv1_ = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.input_channels(), o.conv1_channels(), 5).padding(2)));
  conv2_ = register_module(
      "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.conv1_channels(), o.conv2_channels(), 5).padding(2)));
  const int64_t pooled = o.image_size() / 4;
  hidden_ = register_module("hidden", torch::nn::Linear(o.conv2_channels() * pooled * pooled, o.feature_dim()));
  output_ = register_module("output", torch::nn::Linear(o.feature_dim(), o.classes()));
}

torch::Tensor CnnClassifierImpl::features(const torch::Tensor& images) {
  auto h = torch::max_pool2d(torch::relu(conv1_(images)), 2);
  h = torch::max_pool2d(torch::relu(conv2_(h)), 2);
  return torch::relu(hidden_(h.flatten(1)));
}

torch::Tensor CnnClassifierImpl::logitsOf(const torch::Tensor& features) {
  return output_(torch::dropout(features, options_.dropout(), is_training()));
}

torch::Tensor CnnClassifierImpl::forward(const torch::Tensor& images) { return logitsOf(features(images)); }

}  // namespace gantry::models
