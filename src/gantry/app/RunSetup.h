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
/// Multiply-adds of the largest matrix product of a training step
/// (batch × inputs × outputs of the widest layer).
int64_t largestMatrixProduct(const Config& config);
/// Sets LibTorch's intra-op threads from `threads` (0 = auto: 1) and
/// OpenBLAS's from `blas_threads` (0 = auto: 1 for small products, else one
/// per core).
void applyThreads(const Config& config);

/// Where gantry keeps data by default: $GANTRY_DATA, else data/ in the
/// source tree (MNIST in mnist/, trained classifiers in classifiers/).
std::filesystem::path defaultDataRoot();
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
/// The game of `objective` (wgan with `weight_clip`).
std::shared_ptr<const objectives::Objective> buildObjective(const Config& config);
/// The penalties D's loss gets: `penalty`, or the one the objective implies
/// (wgan-gp: gp), weighted by `penalty_weight`.
std::vector<objectives::WeightedPenalty> buildPenalties(const Config& config);
train::TrainerOptions trainerOptions(const Config& config);

/// `count` samples of a trained generator, float32 on the CPU, from the
/// config's prior with noise drawn by a CPU generator seeded with `seed`
/// (the same codes on every device), in chunks that bound memory.
torch::Tensor drawSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed);

/// Seeds the CPU generator, loads the data, builds and initialises both
/// players (the generator's output bias from the data when configured).
std::unique_ptr<train::Trainer> buildTrainer(const Config& config);

}  // namespace gantry::app
