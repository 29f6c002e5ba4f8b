#pragma once

#include "gantry/data/TensorDataset.h"
#include "gantry/models/CnnClassifier.h"

#include <torch/types.h>

#include <functional>

namespace gantry::train {

struct ClassifierTrainingOptions {
  int64_t epochs = 4;
  int64_t batch_size = 128;
  /// Adam's rate in the first epoch, multiplied by lr_decay after each epoch.
  double lr = 1e-3;
  double lr_decay = 0.5;
  /// Seeds the shuffling of every epoch (initialise the model with
  /// torch::manual_seed before building it).
  uint64_t seed = 1;
  torch::Device device = torch::kCPU;
  /// Called after every epoch with its number (from 1), mean training loss
  /// and seconds since training started.
  std::function<void(int64_t epoch, double loss, double seconds)> onEpoch;
};

/// Trains the classifier on labelled images (cross-entropy, Adam, shuffled
/// minibatches; the last incomplete batch of an epoch is used too). Leaves
/// the model in eval mode.
void trainClassifier(models::CnnClassifier& model, const data::TensorDataset& images,
                     const ClassifierTrainingOptions& options);

/// Fraction of the images whose most probable class is their label.
double classifierAccuracy(models::CnnClassifier& model, const data::TensorDataset& images,
                          torch::Device device = torch::kCPU);

}  // namespace gantry::train
