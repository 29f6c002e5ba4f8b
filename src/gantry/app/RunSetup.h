#pragma once

#include "gantry/core/Config.h"
#include "gantry/data/GaussianMixture.h"
#include "gantry/data/TensorDataset.h"
#include "gantry/models/Generator.h"
#include "gantry/models/LatentPrior.h"
#include "gantry/train/Trainer.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace gantry::app {

/// Turns a validated config into library objects. Nothing here parses text
/// or touches the run folder: that is the commands' job.

torch::Device deviceFrom(const Config& config);
/// Sets LibTorch's intra-op threads from `threads` (0 = one per core).
void applyThreads(const Config& config);

/// The folder the config's dataset is read from.
std::filesystem::path dataDirectory(const Config& config);
/// Shape of one sample of the config's dataset, without loading it.
std::vector<int64_t> sampleShape(const Config& config);
/// The toy distribution of the config's dataset, or null for real data.
std::shared_ptr<data::GaussianMixture> toyDistribution(const Config& config);
/// Loads the training split of a real dataset (mnist, fashion, images).
std::shared_ptr<data::TensorDataset> loadTrainingSet(const Config& config);

models::LatentPrior latentPrior(const Config& config);
std::shared_ptr<models::Generator> buildGenerator(const Config& config);
std::shared_ptr<models::Discriminator> buildDiscriminator(const Config& config);
train::TrainerOptions trainerOptions(const Config& config);

/// Seeds the CPU generator, loads the data, builds and initialises both
/// players (the generator's output bias from the data when configured).
std::unique_ptr<train::Trainer> buildTrainer(const Config& config);

}  // namespace gantry::app
