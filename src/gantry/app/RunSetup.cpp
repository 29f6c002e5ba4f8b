#include "gantry/app/RunSetup.h"

#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/core/Overlap.h"
#include "gantry/data/BatchSource.h"
#include "gantry/data/ImageFolder.h"
#include "gantry/data/Mnist.h"
#include "gantry/models/Mlp.h"
#include "gantry/objectives/Objective.h"
#include "gantry/objectives/Penalty.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <optional>

#ifndef GANTRY_DEFAULT_DATA_DIR
#define GANTRY_DEFAULT_DATA_DIR "data"
#endif

namespace gantry::app {

namespace {

bool isToy(const std::string& dataset) { return dataset == "gaussian1d" || dataset == "ring8" || dataset == "grid25"; }

double keepProbability(const Config& config, const std::string& key) {
  double keep = config.getFloat(key);
  if (keep <= 0.0 || keep > 1.0)
    throw UserError(fmt::format("config key '{}' is a keep probability and must be in (0, 1], got {}", key, keep));
  return keep;
}

}  // namespace

torch::Device deviceFrom(const Config& config) {
  const auto& name = config.getString("device");
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const c10::Error&) {
    throw UserError(fmt::format("config key 'device' must be cpu, cuda or cuda:N, got '{}'", name));
  }
  if (device->is_cuda() && !torch::cuda::is_available())
    throw UserError(
        fmt::format("config key 'device' is '{}' but this LibTorch has no CUDA device; use device=cpu "
                    "or point CMAKE_PREFIX_PATH at a CUDA build of LibTorch",
                    name));
  if (!device->is_cpu() && !device->is_cuda())
    throw UserError(fmt::format("config key 'device' must be cpu, cuda or cuda:N, got '{}'", name));
  return *device;
}

int64_t largestMatrixProduct(const Config& config) {
  // Multiply-adds of one layer's product: batch × inputs × outputs (a maxout
  // layer computes all its pieces in one product).
  auto pieces = [&](const std::string& activation) {
    return config.getString(activation) == "maxout" ? config.getInt("maxout_pieces") : 1;
  };
  int64_t dataSize = 1;
  for (auto d : sampleShape(config)) dataSize *= d;
  int64_t largest = 0;
  auto layers = [&](int64_t in, const std::vector<int64_t>& hidden, int64_t factor, int64_t out) {
    for (int64_t width : hidden) {
      largest = std::max(largest, in * width * factor);
      in = width;
    }
    largest = std::max(largest, in * out);
  };
  layers(config.getInt("latent_dim"), config.getIntList("g_hidden"), pieces("g_activation"), dataSize);
  layers(dataSize, config.getIntList("d_hidden"), pieces("d_activation"), 1);
  return largest * config.getInt("batch_size");
}

void applyThreads(const Config& config) {
  int64_t threads = config.getInt("threads");
  // OpenBLAS already spreads each matrix product over all cores; LibTorch's
  // own intra-op threads on top of that fight it for the same cores (measured:
  // 3x slower on 2 cores), so "auto" is one intra-op thread.
  if (threads == 0) threads = 1;
  torch::set_num_threads(static_cast<int>(threads));

  int64_t blas = config.getInt("blas_threads");
  if (blas == 0) {
    // Below ~16M multiply-adds a product is over before a second thread has
    // helped: ring8 (2M) trains as fast on one BLAS thread as on two, and
    // two waste a core spinning; mnist-mlp (144M) is 1.5x faster on two.
    const int64_t smallProduct = int64_t{1} << 24;
    blas = largestMatrixProduct(config) < smallProduct ? 1 : hardwareThreads();
  }
  setBlasThreads(static_cast<int>(std::max<int64_t>(blas, 1)));
  // The second thread needs a core OpenBLAS leaves free.
  setOverlap(config.getBool("overlap") && blas == 1 && hardwareThreads() > 1);
}

std::filesystem::path defaultDataRoot() {
  if (const char* env = std::getenv("GANTRY_DATA")) return env;
  return GANTRY_DEFAULT_DATA_DIR;
}

std::filesystem::path dataDirectory(const Config& config) {
  const auto& dir = config.getString("data_dir");
  if (!dir.empty()) return dir;
  const auto& dataset = config.getString("dataset");
  if (dataset == "mnist") return defaultDataRoot() / "mnist";
  if (dataset == "fashion") return "/usr/share/datasets/fashion-mnist";
  if (dataset == "images") throw UserError("config key 'data_dir' must name the image folder when dataset = images");
  return {};
}

std::vector<int64_t> sampleShape(const Config& config) {
  const auto& dataset = config.getString("dataset");
  if (dataset == "mnist" || dataset == "fashion") return {1, 28, 28};
  if (dataset == "images") {
    int64_t size = config.getInt("image_size");
    return {config.getBool("grayscale") ? 1 : 3, size, size};
  }
  return {toyDistribution(config)->dim()};
}

std::shared_ptr<data::GaussianMixture> toyDistribution(const Config& config) {
  const auto& dataset = config.getString("dataset");
  if (!isToy(dataset)) return nullptr;
  return data::makeToyDistribution(dataset);
}

std::shared_ptr<data::TensorDataset> loadTrainingSet(const Config& config) {
  const auto& dataset = config.getString("dataset");
  if (dataset == "mnist" || dataset == "fashion")
    return std::make_shared<data::TensorDataset>(data::loadMnistFormat(dataDirectory(config), data::Split::Train));
  if (dataset == "images") {
    data::ImageFolderOptions options;
    options.height = options.width = config.getInt("image_size");
    options.grayscale = config.getBool("grayscale");
    return std::make_shared<data::TensorDataset>(data::loadImageFolder(dataDirectory(config), options));
  }
  return nullptr;
}

models::LatentPrior latentPrior(const Config& config) {
  return models::LatentPrior(models::LatentPrior::parseKind(config.getString("latent")), config.getInt("latent_dim"));
}

std::shared_ptr<models::Generator> buildGenerator(const Config& config) {
  auto options = models::MlpGeneratorOptions(config.getInt("latent_dim"), sampleShape(config))
                     .hidden(config.getIntList("g_hidden"))
                     .activation(models::parseActivation(config.getString("g_activation")))
                     .output_activation(models::parseActivation(config.getString("g_output")))
                     .init_range(config.getFloat("g_init_range"))
                     .maxout_pieces(config.getInt("maxout_pieces"));
  return std::make_shared<models::MlpGenerator>(options);
}

std::shared_ptr<models::Discriminator> buildDiscriminator(const Config& config) {
  auto options = models::MlpDiscriminatorOptions(sampleShape(config))
                     .hidden(config.getIntList("d_hidden"))
                     .activation(models::parseActivation(config.getString("d_activation")))
                     .maxout_pieces(config.getInt("maxout_pieces"))
                     .input_keep(keepProbability(config, "d_input_keep"))
                     .hidden_keep(keepProbability(config, "d_hidden_keep"))
                     .init_range(config.getFloat("d_init_range"));
  return std::make_shared<models::MlpDiscriminator>(options);
}

std::shared_ptr<const objectives::Objective> buildObjective(const Config& config) {
  const auto& name = config.getString("objective");
  if (name == "wgan" && !(config.getFloat("weight_clip") > 0.0))
    throw UserError("config key 'weight_clip' must be positive for objective = wgan (or use objective = wgan-gp)");
  objectives::ObjectiveOptions options;
  options.weight_clip = config.getFloat("weight_clip");
  return objectives::makeObjective(name, options);
}

std::vector<objectives::WeightedPenalty> buildPenalties(const Config& config) {
  auto implied = buildObjective(config)->impliedPenalty();
  auto chosen = config.getString("penalty");
  if (!implied.empty() && chosen != "none" && chosen != implied)
    throw UserError(
        fmt::format("config key 'penalty' = {} does not go with objective = {}, which includes the {} "
                    "penalty; set penalty = none, or objective = wgan with weight_clip",
                    chosen, config.getString("objective"), implied));
  std::string name = implied.empty() ? chosen : implied;
  if (name == "none") return {};
  objectives::PenaltyOptions options;
  options.one_sided = config.getBool("gp_one_sided");
  return {{objectives::makePenalty(name, options), config.getFloat("penalty_weight")}};
}

train::TrainerOptions trainerOptions(const Config& config) {
  train::TrainerOptions options;
  options.batch_size = config.getInt("batch_size");
  options.d_steps = config.getInt("d_steps");
  options.update = train::parseUpdateMode(config.getString("update"));
  options.device = deviceFrom(config);
  options.precision = train::parsePrecision(config.getString("precision"));
  options.penalties = buildPenalties(config);
  options.instance_noise.std = config.getFloat("instance_noise");
  options.instance_noise.anneal_steps = config.getInt("instance_noise_anneal");
  train::OptimizerSpec spec;
  spec.kind = train::OptimizerSpec::parseKind(config.getString("optimizer"));
  spec.lr_decay = config.getFloat("lr_decay");
  spec.lr_min = config.getFloat("lr_min");
  spec.momentum = config.getFloat("momentum");
  spec.momentum_final = config.getFloat("momentum_final");
  spec.momentum_start = config.getInt("momentum_start");
  spec.momentum_end = config.getInt("momentum_end");
  spec.beta1 = config.getFloat("adam_beta1");
  spec.beta2 = config.getFloat("adam_beta2");
  spec.rmsprop_alpha = config.getFloat("rmsprop_alpha");
  options.g_optimizer = spec;
  options.g_optimizer.lr = config.getFloat("lr_g");
  options.d_optimizer = spec;
  options.d_optimizer.lr = config.getFloat("lr_d");
  return options;
}

torch::Tensor drawSamples(models::Generator& generator, const Config& config, int64_t count, uint64_t seed) {
  auto prior = latentPrior(config);
  auto device = deviceFrom(config);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> chunks;
  torch::NoGradGuard guard;
  const int64_t chunk = 5000;
  for (int64_t done = 0; done < count; done += chunk) {
    auto z = prior.sample(std::min(chunk, count - done), torch::TensorOptions(device), rng);
    chunks.push_back(generator.forward(z).to(torch::kCPU, torch::kFloat32));
  }
  return torch::cat(chunks);
}

std::unique_ptr<train::Trainer> buildTrainer(const Config& config) {
  auto options = trainerOptions(config);
  applyThreads(config);
  torch::manual_seed(static_cast<uint64_t>(config.getInt("seed")));

  std::unique_ptr<data::BatchSource> source;
  std::shared_ptr<data::TensorDataset> dataset;
  if (auto toy = toyDistribution(config)) {
    source = std::make_unique<data::MixtureBatchSource>(toy, options.batch_size, options.device);
  } else {
    dataset = loadTrainingSet(config);
    source = std::make_unique<data::ShuffledBatchSource>(dataset, options.batch_size,
                                                         static_cast<uint64_t>(config.getInt("seed")), options.device);
  }

  auto generator = buildGenerator(config);
  if (config.getString("g_output_bias") == "data_mean") {
    if (!dataset || config.getString("g_output") != "sigmoid")
      throw UserError("config key 'g_output_bias' = data_mean needs an image dataset and g_output = sigmoid");
    // The 2014 code starts the sigmoid output at the pixel marginals.
    auto mean = dataset->samples().mean(0).clamp(1e-7, 1 - 1e-7);
    std::dynamic_pointer_cast<models::MlpGenerator>(generator)->setOutputBias(torch::logit(mean));
  }
  auto discriminator = buildDiscriminator(config);
  return std::make_unique<train::Trainer>(generator, discriminator, buildObjective(config), std::move(source),
                                          latentPrior(config), options);
}

}  // namespace gantry::app
