#pragma once

#include "gantry/app/RunSettings.h"
#include "gantry/core/Config.h"
#include "gantry/data/Batch.h"
#include "gantry/data/Datasets.h"
#include "gantry/models/Generator.h"
#include "gantry/models/LatentPrior.h"
#include "gantry/models/ModelFamily.h"
#include "gantry/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gantry::app {

/// Turns a validated config into library objects. Nothing here parses text
/// or touches the run folder: that is the commands' job.

torch::Device deviceOf(const RunSettings& settings);

/// The threads a run uses and whether the helper thread of overlapped
/// products has a core (gantry/core/Overlap.h).
struct ThreadPlan {
  int intraOp = 1;
  int blas = 1;
  bool overlap = false;
};
/// What a step of a run's models computes, in multiply-adds: its largest
/// matrix product (OpenBLAS's work) and its largest convolution (oneDNN's,
/// on LibTorch's intra-op threads).
struct Workload {
  int64_t matrixProduct = 0;
  int64_t convolution = 0;
};
/// The plan for a run's workload: `threads` LibTorch intra-op threads (0 =
/// auto: one per core for large convolutions, else 1), `blas_threads`
/// OpenBLAS threads (0 = auto: one per core for large matrix products when
/// the intra-op threads are 1, else 1), overlap when OpenBLAS and LibTorch
/// both run single-threaded on a multi-core CPU.
ThreadPlan threadPlan(const RunSettings& settings, const Workload& workload);
/// Sets LibTorch's and OpenBLAS's threads to the plan.
void applyThreads(const ThreadPlan& plan);

/// Bytes a run will hold at least, by the key (or keys) that scale them.
struct MemoryNeed {
  std::string keys;
  double bytes;
};
/// Estimates of what a run will hold: both players' parameters with their
/// gradients, optimizer moments and flat buffers; a step's batches with
/// what G's pass and D's two passes keep for the backward
/// (Model::activationsPerSample); the fixed noise of the pictures and of
/// the evaluations through the widest layer.
std::vector<MemoryNeed> memoryNeeds(const RunSettings& settings, train::Trainer& trainer);
/// Floats a training step keeps per sample of its batch: G's pass, D's
/// passes on the real and the generated sample (what each model keeps for
/// the backward, Model::activationsPerSample) and both samples, of
/// `sampleSize` floats each.
double stepFloatsPerSample(train::Trainer& trainer, int64_t sampleSize);
/// Refuses (UserError naming the key and both figures) a run whose sizes
/// cannot fit in this machine's memory, before anything is written: each
/// of memoryNeeds() against the physical memory. An estimate, not a
/// promise: what passes may still run out (one line, "out of memory").
void checkMemory(const RunSettings& settings, train::Trainer& trainer);

/// The workload of a training step of the config's models (what picks the
/// threads), conditioned on `classes` (0: the dataset's).
Workload workloadOf(const Config& config, int64_t classes = 0);

/// The parameters of the config's players (what a data-parallel step
/// averages over the ranks).
struct ParameterCounts {
  int64_t generator = 0, discriminator = 0;
};
ParameterCounts parameterCounts(const Config& config);

/// Real samples (and codes) a step draws for each batch: batch_size, times
/// pack for PacGAN, whose D judges batch_size packs.
int64_t samplesPerStep(const RunSettings& settings);

/// A population's members as its sweep makes them (docs/population.md):
/// member n trains setting n mod C of the C settings, from seed + n / C.
/// Each member's {"seed", "lr_d", "lr_g"}; empty without a sweep (then
/// member n is the run of seed + n).
std::vector<nlohmann::json> memberSettings(const RunSettings& settings);

/// Where gantry keeps data by default (gantry/data/Datasets.h).
std::filesystem::path defaultDataRoot();
/// The config's data: its folder, the shape of one sample, the toy
/// distribution (null for data read from files).
std::filesystem::path dataDirectory(const Config& config);
std::vector<int64_t> sampleShape(const Config& config);
std::shared_ptr<data::GaussianMixture> toyDistribution(const Config& config);

models::LatentPrior latentPrior(const RunSettings& settings);

/// What the config's model family builds its players for: the data's shape
/// and `classes`; `dataMean` for a family that starts from the data (null
/// when the weights are loaded next).
models::ModelContext modelContext(const RunSettings& settings, int64_t classes,
                                  std::function<torch::Tensor()> dataMean = nullptr);

/// The generator of a trained run (its weights loaded next): `classes` as
/// the checkpoint records them.
std::shared_ptr<models::Generator> buildGenerator(const Config& config, int64_t classes);

/// `count` samples of a trained generator, float32 on the CPU, from the
/// config's prior with noise drawn by a CPU generator seeded with `seed`
/// (the same codes on every device), in chunks that bound memory. A
/// conditional generator gets `labels` [count], or labels uniform over its
/// classes drawn from the same generator when undefined.
torch::Tensor drawSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                          const torch::Tensor& labels = {});
/// The same draws with the labels they were drawn for (int64 on the CPU;
/// undefined for an unconditional generator).
data::Batch drawLabelledSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                                const torch::Tensor& labels = {});

/// The codes drawSamples draws for `count` samples with `seed` (z on the
/// CPU) and, for a conditional generator, their labels: row i is the code of
/// sample i of `gantry sample --seed S -n count`.
struct LatentDraw {
  torch::Tensor z, labels;
};
LatentDraw drawLatents(const models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                       const torch::Tensor& labels = {});
/// G's samples of the codes z [N, latent dim] (and labels [N], conditional
/// generators), float32 on the CPU, in chunks that bound memory; UserError
/// when they would not fit the machine's memory.
torch::Tensor generateFrom(models::Generator& generator, const Config& config, const torch::Tensor& z,
                           const torch::Tensor& labels = {});

/// Codes from a .npy [N, latent dim] as float32; UserError naming the file
/// for another shape or a non-finite value.
torch::Tensor readLatentCodes(const std::filesystem::path& path, int64_t latentDim);

/// Finite `values` read from the file `path` in float32, gantry's
/// precision. Values beyond its range (finite in float64) are refused with
/// a UserError naming the file, not made infinite.
torch::Tensor float32Of(const torch::Tensor& values, const std::filesystem::path& path);

/// Seeds the CPU generator, loads the data, builds and initialises both
/// players, the game and the update rule, and sets the threads. With
/// `parallel`, this process trains its shard of each batch
/// (gantry/train/DataParallel.h); batch_size must split evenly.
std::unique_ptr<train::Trainer> buildTrainer(const Config& config,
                                             std::shared_ptr<train::DataParallel> parallel = nullptr);

}  // namespace gantry::app
