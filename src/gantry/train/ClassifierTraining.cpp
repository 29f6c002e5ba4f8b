#include "gantry/train/ClassifierTraining.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <stdexcept>

namespace gantry::train {

void trainClassifier(models::CnnClassifier& model, const data::TensorDataset& images,
                     const ClassifierTrainingOptions& options) {
  if (!images.labels().defined()) throw std::invalid_argument("trainClassifier: the images have no labels");
  const auto start = std::chrono::steady_clock::now();
  model->to(options.device);
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(options.lr));
  const int64_t count = images.length();
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    double rate = options.lr * std::pow(options.lr_decay, static_cast<double>(epoch - 1));
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(rate);
    // The order of an epoch depends only on (seed, epoch), as for the GAN's data.
    auto rng = at::make_generator<at::CPUGeneratorImpl>(options.seed * 1000003 + static_cast<uint64_t>(epoch));
    auto order = torch::randperm(count, rng, torch::kLong);
    double lossSum = 0.0;
    int64_t batches = 0;
    for (int64_t begin = 0; begin < count; begin += options.batch_size) {
      auto index = order.slice(0, begin, std::min(count, begin + options.batch_size));
      auto x = images.samples().index_select(0, index).to(options.device);
      auto y = images.labels().index_select(0, index).to(options.device);
      auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      lossSum += loss.item<double>();
      ++batches;
    }
    if (options.onEpoch)
      options.onEpoch(epoch, lossSum / static_cast<double>(batches),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  model->eval();
}

double classifierAccuracy(models::CnnClassifier& model, const data::TensorDataset& images, torch::Device device) {
  if (!images.labels().defined()) throw std::invalid_argument("classifierAccuracy: the images have no labels");
  torch::NoGradGuard guard;
  model->eval();
  model->to(device);
  const int64_t count = images.length(), batch = 1000;
  int64_t correct = 0;
  for (int64_t begin = 0; begin < count; begin += batch) {
    auto x = images.samples().slice(0, begin, begin + batch).to(device);
    auto predicted = model->forward(x).argmax(1).cpu();
    correct += predicted.eq(images.labels().slice(0, begin, begin + batch)).sum().item<int64_t>();
  }
  return count > 0 ? static_cast<double>(correct) / static_cast<double>(count) : 0.0;
}

}  // namespace gantry::train
