#include "gantry/app/RunSetup.h"

#include "gantry/io/Npy.h"

#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/core/MemberStreams.h"
#include "gantry/data/PopulationSource.h"
#include "gantry/io/Npy.h"
#include "gantry/models/PackedDiscriminator.h"
#include "gantry/objectives/Game.h"
#include "gantry/train/Precision.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <c10/util/accumulate.h>
#include <algorithm>
#include <functional>
#include <thread>

namespace gantry::app {

torch::Device deviceOf(const RunSettings& settings) { return torch::Device(settings.run.device); }

namespace {

/// Below ~16M multiply-adds a product is over before a second thread has
/// helped: ring8 (2M) trains as fast on one BLAS thread as on two, and two
/// waste a core spinning; mnist-mlp (144M) is 1.5x faster on two.
constexpr int64_t kSmallProduct = int64_t{1} << 24;

}  // namespace

ThreadPlan threadPlan(const RunSettings& settings, const Workload& workload) {
  ThreadPlan plan;
  // OpenBLAS already spreads each matrix product over all cores; LibTorch's
  // own intra-op threads on top of that fight it for the same cores (measured:
  // 3x slower on 2 cores), so "auto" gives the cores to one of the two.
  // Never more than the machine's threads (a run folder may come from a larger machine).
  const int64_t machine = std::max(1u, std::thread::hardware_concurrency());
  int64_t intraOp = settings.run.threads;
  if (intraOp == 0) {
    // Convolutions run in oneDNN on the intra-op threads. Measured on 2
    // cores (docs/performance.md): dcgan-mnist's (w = 32, largest 103M) is
    // 15% slower on two threads, w = 64 (411M) 15% faster, w = 128 (1.6G)
    // 25% faster.
    const int64_t smallConvolution = int64_t{1} << 28;
    // With precision = bf16 the matrix products run in oneDNN too, on the
    // same threads, and OpenBLAS is left idle. Measured on 2 cores, the
    // products of a mnist-mlp step alone: 241 GFLOP/s on one thread, 447 on
    // two (bench/gemm_ceiling.py --dtype bf16; docs/performance.md#bf16).
    const bool oneDnnProducts = train::parsePrecision(settings.run.precision) == train::Precision::BFloat16 &&
                                workload.matrixProduct >= kSmallProduct;
    intraOp = workload.convolution < smallConvolution && !oneDnnProducts ? 1 : availableCores();
  }
  plan.intraOp = static_cast<int>(std::min(intraOp, machine));
  int64_t blas = settings.run.blas_threads;
  if (blas == 0) {
    blas = workload.matrixProduct < kSmallProduct || plan.intraOp > 1 ? 1 : availableCores();
  }
  plan.blas = static_cast<int>(std::clamp<int64_t>(blas, 1, machine));
  // The second thread needs a core that OpenBLAS and the intra-op threads leave free.
  plan.overlap = settings.run.overlap && plan.blas == 1 && plan.intraOp == 1 && availableCores() > 1;
  return plan;
}

void applyThreads(const ThreadPlan& plan) {
  torch::set_num_threads(plan.intraOp);
  setBlasThreads(plan.blas);
}

namespace {

/// The widest input or output of a layer: the largest dimension of a
/// parameter.
int64_t widestLayer(const torch::nn::Module& module) {
  int64_t widest = 1;
  for (const auto& p : module.parameters())
    for (int64_t size : p.sizes()) widest = std::max(widest, size);
  return widest;
}

int64_t parameterBytes(const torch::nn::Module& module) {
  int64_t bytes = 0;
  for (const auto& p : module.parameters()) bytes += p.numel() * static_cast<int64_t>(p.element_size());
  return bytes;
}

/// What a model keeps per sample for the backward: what it declares, else
/// its widest layer.
int64_t activationsOf(const models::Model& model) {
  const int64_t declared = model.activationsPerSample();
  return declared > 0 ? declared : widestLayer(model);
}

}  // namespace

double stepFloatsPerSample(train::Trainer& trainer, int64_t sampleSize) {
  // G's pass, D's passes on the real and the generated batch, and both batches.
  return static_cast<double>(activationsOf(trainer.generator()) + 2 * activationsOf(trainer.discriminator()) +
                             2 * sampleSize);
}

std::vector<MemoryNeed> memoryNeeds(const RunSettings& settings, train::Trainer& trainer) {
  const auto& g = trainer.generator();
  const auto& d = trainer.discriminator();
  const auto shape = data::sampleShape(settings.data);
  const int64_t sampleSize = c10::multiply_integers(shape);
  const int64_t widest = std::max({widestLayer(g), widestLayer(d), sampleSize});
  const double floatBytes = 4;
  const double stepFloats = stepFloatsPerSample(trainer, sampleSize);
  // Each bound is what one key scales: the key to name when it does not fit.
  return {// Weights, gradients, two optimizer moments and the flat buffers of
          // the fused optimizers: ring8 with latent_dim = 1e7 failed asking for
          // one block of 8x its parameters' bytes.
          {"latent_dim, g_hidden, d_hidden", 8.0 * static_cast<double>(parameterBytes(g) + parameterBytes(d))},
          {settings.run.population > 1 ? "batch_size, population" : "batch_size",
           static_cast<double>(samplesPerStep(settings) * settings.run.population) * stepFloats * floatBytes},
          // Drawn without a graph: the widest layer at a time.
          {"sample_count", static_cast<double>(settings.run.sample_count) * widest * floatBytes},
          {"eval_samples",
           settings.eval.eval_every > 0 ? static_cast<double>(settings.eval.eval_samples) * widest * floatBytes : 0.0}};
}

void checkMemory(const RunSettings& settings, train::Trainer& trainer) {
  for (const auto& [keys, bytes] : memoryNeeds(settings, trainer)) {
    const bool one = keys.find(',') == std::string::npos;
    requireMemory(bytes, fmt::format("config {} '{}' {}", one ? "key" : "keys", keys, one ? "needs" : "need"),
                  one ? "lower it" : "lower them");
  }
}

int64_t samplesPerStep(const RunSettings& settings) { return settings.data.batch_size * settings.stabilisers.pack; }

std::filesystem::path defaultDataRoot() { return data::defaultDataRoot(); }

std::filesystem::path dataDirectory(const Config& config) { return data::dataFolder(data::dataSection().read(config)); }

std::vector<int64_t> sampleShape(const Config& config) { return data::sampleShape(data::dataSection().read(config)); }

std::shared_ptr<data::GaussianMixture> toyDistribution(const Config& config) {
  return data::toyDistribution(data::dataSection().read(config));
}

models::LatentPrior latentPrior(const RunSettings& settings) {
  return models::LatentPrior(models::LatentPrior::parseKind(settings.latent.latent), settings.latent.latent_dim);
}

models::ModelContext modelContext(const RunSettings& settings, int64_t classes,
                                  std::function<torch::Tensor()> dataMean) {
  models::ModelContext context;
  context.sampleShape = data::sampleShape(settings.data);
  context.latentDim = settings.latent.latent_dim;
  context.classes = classes;
  context.model = settings.model;
  context.stabilisers = settings.stabilisers;
  context.dataMean = std::move(dataMean);
  return context;
}

namespace {

Workload workload(const models::Generator& g, const models::Discriminator& d, int64_t batch) {
  return {std::max(g.largestProduct(batch), d.largestProduct(batch)),
          std::max(g.largestConvolution(batch), d.largestConvolution(batch))};
}

}  // namespace

namespace {

/// The config's two players, built without moving the caller's random
/// stream (building draws their initial weights).
std::pair<std::shared_ptr<models::Generator>, std::shared_ptr<models::Discriminator>> playersOf(const Config& config,
                                                                                                int64_t classes) {
  const auto settings = readSettings(config);
  const auto context = modelContext(settings, classes > 0 ? classes : data::classCount(settings.data));
  const auto& family = models::familyFor(settings.model, context);
  const auto state = at::detail::getDefaultCPUGenerator().get_state();
  auto g = family.generator(config, context);
  auto d = models::buildDiscriminator(family, config, context);
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(state);
  return {std::move(g), std::move(d)};
}

int64_t parameterCount(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace

Workload workloadOf(const Config& config, int64_t classes) {
  auto [g, d] = playersOf(config, classes);
  return workload(*g, *d, samplesPerStep(readSettings(config)));
}

ParameterCounts parameterCounts(const Config& config) {
  auto [g, d] = playersOf(config, 0);
  return {parameterCount(*g), parameterCount(*d)};
}

std::shared_ptr<models::Generator> buildGenerator(const Config& config, int64_t classes) {
  const auto settings = readSettings(config);
  const auto context = modelContext(settings, std::max<int64_t>(classes, 1));
  const auto& family = models::familyFor(settings.model, context);
  if (settings.run.population == 1) return family.generator(config, context);
  std::vector<std::shared_ptr<models::Generator>> members;
  for (int64_t n = 0; n < settings.run.population; ++n) members.push_back(family.generator(config, context));
  return family.stackGenerators(members);
}

torch::Tensor drawSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                          const torch::Tensor& labels) {
  return drawLabelledSamples(generator, config, count, seed, labels).samples;
}

LatentDraw drawLatents(const models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                       const torch::Tensor& labels) {
  const auto settings = readSettings(config);
  auto prior = latentPrior(settings);
  auto device = deviceOf(settings);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> codes, classes;
  const int64_t chunk = 5000;
  // In chunks, each chunk's codes then its labels: the order the draws have
  // always had, so a seed gives the samples it gave before.
  for (int64_t done = 0; done < count; done += chunk) {
    const int64_t n = std::min(chunk, count - done);
    codes.push_back(prior.sample(n, torch::TensorOptions(device), rng).cpu());
    if (generator.classes() > 0)
      classes.push_back(labels.defined() ? labels.slice(0, done, done + n).to(torch::kCPU, torch::kLong)
                                         : torch::randint(0, generator.classes(), {n}, rng, torch::kLong));
  }
  return {torch::cat(codes), classes.empty() ? torch::Tensor() : torch::cat(classes)};
}

namespace {

/// UserError when `count` samples of G would not fit the machine's memory:
/// the chunks, then their concatenation, take twice the samples' bytes.
void requireSampleMemory(const models::Generator& generator, int64_t count) {
  requireMemory(2.0 * static_cast<double>(count) *
                    static_cast<double>(c10::multiply_integers(generator.outputShape())) * sizeof(float),
                fmt::format("{} samples need", count), "draw fewer");
}

}  // namespace

torch::Tensor generateFrom(models::Generator& generator, const Config& config, const torch::Tensor& z,
                           const torch::Tensor& labels) {
  const auto device = deviceOf(readSettings(config));
  const int64_t count = z.size(0);
  requireSampleMemory(generator, count);
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> chunks;
  const int64_t chunk = 5000;
  for (int64_t done = 0; done < count; done += chunk) {
    auto c = labels.defined() ? labels.slice(0, done, done + chunk).to(device, torch::kLong) : torch::Tensor();
    chunks.push_back(generator.forward(z.slice(0, done, done + chunk).to(device), c).to(torch::kCPU, torch::kFloat32));
  }
  return torch::cat(chunks);
}

data::Batch drawLabelledSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed,
                                const torch::Tensor& labels) {
  requireSampleMemory(generator, count);  // before drawing the codes
  auto draw = drawLatents(generator, config, count, seed, labels);
  return {generateFrom(generator, config, draw.z, draw.labels), draw.labels};
}

torch::Tensor readLatentCodes(const std::filesystem::path& path, int64_t latentDim) {
  auto codes = io::readNpy(path);
  if (codes.dim() != 2 || codes.size(1) != latentDim || codes.size(0) < 1)
    throw UserError(fmt::format("{} holds an array of shape ({}); codes of this run have shape (N, {})", path.string(),
                                fmt::join(codes.sizes(), ", "), latentDim));
  if (!torch::isfinite(codes).all().item<bool>())
    throw UserError(fmt::format("{} holds NaN or infinite codes", path.string()));
  return float32Of(codes, path);
}

torch::Tensor float32Of(const torch::Tensor& values, const std::filesystem::path& path) {
  auto converted = values.to(torch::kFloat32);
  if (!torch::isfinite(converted).all().item<bool>())
    throw UserError(
        fmt::format("{} holds values as large as {:.4g}, beyond float32's range, in which gantry "
                    "computes; rescale them",
                    path.string(), values.abs().max().item<double>()));
  return converted;
}

namespace {

/// A run's data and players, as the trainer takes them.
struct Players {
  std::unique_ptr<data::BatchSource> source;
  models::ModelContext context;
  const models::ModelFamilyEntry* family = nullptr;
  std::shared_ptr<models::Generator> generator;
  std::shared_ptr<models::Discriminator> discriminator;
  std::shared_ptr<MemberStreams> streams;  // population training
};

/// One GAN's, from the default CPU generator as seeded: the data, then G,
/// then D.
Players runPlayers(const Config& config, const RunSettings& settings, const data::DataSettings& dataSettings,
                   torch::Device device) {
  Players players;
  std::shared_ptr<data::TensorDataset> dataset;
  players.source = data::makeBatchSource(dataSettings, static_cast<uint64_t>(settings.run.seed), device, &dataset);
  players.context = modelContext(settings, players.source->classes(),
                                 [dataset] { return dataset ? dataset->samples().mean(0) : torch::Tensor(); });
  players.family = &models::familyFor(settings.model, players.context);
  players.generator = players.family->generator(config, players.context);
  players.discriminator = models::buildDiscriminator(*players.family, config, players.context);
  return players;
}

/// A population's (population = N): member n's data, G and D as the run of
/// its seed (seed + n, or seed + n / C in a sweep of C settings) builds them (its stream seeded, G, then D), stacked;
/// member n's stream then goes on from where building left it. Draws that are no member's (a penalty's interpolation
/// points) come from the default CPU generator, seeded with seed + N.
Players populationPlayers(const Config& config, const RunSettings& settings, const data::DataSettings& dataSettings,
                          torch::Device device) {
  const int64_t population = settings.run.population;
  const auto seed = static_cast<uint64_t>(settings.run.seed);
  std::vector<uint64_t> seeds;
  for (const auto& member : train::populationMembers(settings.sweep, settings.optimizer, population))
    seeds.push_back(seed + static_cast<uint64_t>(member.seedOffset));
  std::shared_ptr<data::TensorDataset> dataset;
  auto sources = data::makeBatchSources(dataSettings, seeds, device, &dataset);
  Players players;
  players.context = modelContext(settings, sources.front()->classes(),
                                 [dataset] { return dataset ? dataset->samples().mean(0) : torch::Tensor(); });
  players.family = &models::familyFor(settings.model, players.context);
  const auto& family = *players.family;
  if (!family.stackGenerators || !family.stackDiscriminators)
    throw UserError(
        fmt::format("config key 'population' = {} needs a model family that stacks its members; model = "
                    "{} does not: choose model = mlp, or set population = 1",
                    population, settings.model.model));
  std::vector<std::shared_ptr<models::Generator>> generators;
  std::vector<std::shared_ptr<models::Discriminator>> discriminators;
  std::vector<torch::Tensor> states;
  auto cpuGenerator = at::detail::getDefaultCPUGenerator();
  for (uint64_t memberSeed : seeds) {
    torch::manual_seed(memberSeed);
    generators.push_back(family.generator(config, players.context));
    discriminators.push_back(models::buildDiscriminator(family, config, players.context));
    states.push_back(cpuGenerator.get_state());
  }
  torch::manual_seed(seed + static_cast<uint64_t>(population));
  players.streams = std::make_shared<MemberStreams>(std::move(states));
  players.source = std::make_unique<data::PopulationSource>(std::move(sources), players.streams, device);
  players.generator = family.stackGenerators(generators);
  players.discriminator = family.stackDiscriminators(discriminators);
  return players;
}

/// Both players' optimizers. In a sweep (or with members slowed down by
/// rollbacks), each player steps at the largest of its members' rates, and
/// member n's step is scaled to its own (gantry/train/Player.h).
void setOptimizers(const RunSettings& settings, train::ArenaOptions& options) {
  const auto members = train::populationMembers(settings.sweep, settings.optimizer, settings.run.population);
  auto withRates = [&](const train::SweepPoint& point) {
    auto optimizer = settings.optimizer;
    optimizer.lr_g = point.lr_g;
    optimizer.lr_d = point.lr_d;
    return train::optimizerSpecs(optimizer);
  };
  train::SweepPoint largest = members.front().rates;
  for (const auto& member : members) {
    largest.lr_g = std::max(largest.lr_g, member.rates.lr_g);
    largest.lr_d = std::max(largest.lr_d, member.rates.lr_d);
  }
  std::tie(options.g_optimizer, options.d_optimizer) = withRates(largest);
  if (!train::membersDiffer(members)) return;
  for (const auto& member : members) {
    const auto [g, d] = withRates(member.rates);
    options.g_member_optimizers.push_back(g);
    options.d_member_optimizers.push_back(d);
  }
}

}  // namespace

std::vector<nlohmann::json> memberSettings(const RunSettings& settings) {
  if (!train::sweeps(settings.sweep) && settings.sweep.member_lr_factors.empty()) return {};
  std::vector<nlohmann::json> lines;
  for (const auto& member : train::populationMembers(settings.sweep, settings.optimizer, settings.run.population)) {
    lines.push_back(
        {{"seed", settings.run.seed + member.seedOffset}, {"lr_d", member.rates.lr_d}, {"lr_g", member.rates.lr_g}});
    // A member slowed down by rollbacks is a setting of its own.
    if (member.factor != 1.0) lines.back()["lr_factor"] = member.factor;
  }
  return lines;
}

std::unique_ptr<train::Trainer> buildTrainer(const Config& config, std::shared_ptr<train::DataParallel> parallel) {
  const auto settings = readSettings(config);
  if (parallel && settings.data.batch_size % parallel->worldSize() != 0)
    throw UserError(
        fmt::format("config key 'batch_size' = {} does not split into {} equal shards, one per "
                    "process; choose a multiple of {}",
                    settings.data.batch_size, parallel->worldSize(), parallel->worldSize()));
  const auto device = deviceOf(settings);
  const auto seed = static_cast<uint64_t>(settings.run.seed);
  // LibTorch's threads first: a reduction over the data (its mean, for an
  // output bias) rounds by the number of threads that share it. OpenBLAS's
  // follow the models' size, below.
  torch::set_num_threads(threadPlan(settings, {}).intraOp);
  if (parallel && settings.run.population > 1)
    throw UserError(
        "config key 'population' trains its members in one process; set population = 1 to train one GAN on "
        "several processes");
  torch::manual_seed(seed);

  auto dataSettings = settings.data;
  dataSettings.batch_size = samplesPerStep(settings);  // PacGAN: batch_size packs of `pack` samples
  auto players = settings.run.population > 1 ? populationPlayers(config, settings, dataSettings, device)
                                             : runPlayers(config, settings, dataSettings, device);
  const auto& family = *players.family;
  const auto& context = players.context;
  auto generator = players.generator;
  auto discriminator = players.discriminator;
  auto source = std::move(players.source);
  auto rule = train::makeUpdateRule(config, settings.update);
  const auto plan = threadPlan(settings, workload(*generator, *discriminator, samplesPerStep(settings)));
  applyThreads(plan);

  train::ArenaOptions options;
  setOptimizers(settings, options);
  options.precision = train::parsePrecision(settings.run.precision);
  options.device = device;
  options.execution.overlap = plan.overlap;
  options.execution.twiceDifferentiable = rule->needs().secondDerivatives;
  options.parallel = std::move(parallel);
  options.members = players.streams;
  auto arena = std::make_unique<train::Arena>(generator, discriminator, objectives::buildGame(settings.game),
                                              std::move(source), latentPrior(settings), options);
  auto trainer = std::make_unique<train::Trainer>(std::move(arena), std::move(rule));
  if (settings.stabilisers.g_ema > 0) {
    // A second G for the average: building it draws initial weights, which
    // the average overwrites; the random stream stays as it was.
    auto cpuGenerator = at::detail::getDefaultCPUGenerator();
    const auto state = cpuGenerator.get_state();
    auto average = family.generator(config, context);
    if (players.streams) {
      std::vector<std::shared_ptr<models::Generator>> members(1, average);
      while (static_cast<int64_t>(members.size()) < players.streams->size())
        members.push_back(family.generator(config, context));
      average = family.stackGenerators(members);
    }
    cpuGenerator.set_state(state);
    average->to(device);
    trainer->setAverage(
        std::make_unique<train::WeightAverage>(std::move(average), trainer->generator(), settings.stabilisers.g_ema));
  }
  return trainer;
}

}  // namespace gantry::app
