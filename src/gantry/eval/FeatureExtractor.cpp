#include "gantry/eval/FeatureExtractor.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace gantry::eval {

ImageFeatures ImageFeatures::concatenate(const std::vector<ImageFeatures>& parts) {
  if (parts.empty()) return {};
  if (parts.size() == 1) return parts.front();
  std::vector<torch::Tensor> features, probabilities, labels;
  for (const auto& p : parts) {
    features.push_back(p.features);
    probabilities.push_back(p.probabilities);
    labels.push_back(p.labels);
  }
  // Labels only when every part has them: a row without one has no class.
  const bool labelled = std::all_of(labels.begin(), labels.end(), [](const auto& l) { return l.defined(); });
  return {torch::cat(features), torch::cat(probabilities), labelled ? torch::cat(labels) : torch::Tensor()};
}

FeatureExtractor::FeatureExtractor(models::CnnClassifier classifier, torch::Device device, int64_t batchSize)
    : classifier_(std::move(classifier)), device_(device), batchSize_(batchSize) {
  classifier_->to(device_);
  classifier_->eval();
}

ImageFeatures FeatureExtractor::extract(const torch::Tensor& images) const {
  const auto& o = classifier_->options();
  const int64_t pixels = o.input_channels() * o.image_size() * o.image_size();
  if (images.dim() < 2 || images.numel() != images.size(0) * pixels)
    throw std::invalid_argument("FeatureExtractor: images must be [N, " + std::to_string(o.input_channels()) + ", " +
                                std::to_string(o.image_size()) + ", " + std::to_string(o.image_size()) + "]");
  torch::NoGradGuard guard;
  auto shaped = images.reshape({images.size(0), o.input_channels(), o.image_size(), o.image_size()});
  std::vector<torch::Tensor> features, probabilities;
  for (int64_t begin = 0; begin < shaped.size(0); begin += batchSize_) {
    auto x = shaped.slice(0, begin, begin + batchSize_).to(device_, torch::kFloat32);
    auto f = classifier_->features(x);
    probabilities.push_back(torch::softmax(classifier_->logitsOf(f), 1).cpu());
    features.push_back(f.cpu());
  }
  if (features.empty()) return {torch::zeros({0, o.feature_dim()}), torch::zeros({0, o.classes()})};
  return {torch::cat(features), torch::cat(probabilities)};
}

}  // namespace gantry::eval
