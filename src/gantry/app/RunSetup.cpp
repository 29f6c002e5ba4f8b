#include "gantry/app/RunSetup.h"

#include "gantry/core/Error.h"
#include "gantry/data/BatchSource.h"
#include "gantry/data/ImageFolder.h"
#include "gantry/data/Mnist.h"
#include "gantry/models/Mlp.h"
#include "gantry/objectives/Objective.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <optional>
#include <thread>

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

void applyThreads(const Config& config) {
  int64_t threads = config.getInt("threads");
  // OpenBLAS already spreads each matrix product over all cores; LibTorch's
  // own intra-op threads on top of that fight it for the same cores (measured:
  // 3x slower on 2 cores), so "auto" is one intra-op thread.
  if (threads == 0) threads = 1;
  torch::set_num_threads(static_cast<int>(threads));
}

std::filesystem::path dataDirectory(const Config& config) {
  const auto& dir = config.getString("data_dir");
  if (!dir.empty()) return dir;
  const auto& dataset = config.getString("dataset");
  if (dataset == "mnist") {
    if (const char* env = std::getenv("GANTRY_DATA")) return std::filesystem::path(env) / "mnist";
    return std::filesystem::path(GANTRY_DEFAULT_DATA_DIR) / "mnist";
  }
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

train::TrainerOptions trainerOptions(const Config& config) {
  train::TrainerOptions options;
  options.batch_size = config.getInt("batch_size");
  options.d_steps = config.getInt("d_steps");
  options.update = train::parseUpdateMode(config.getString("update"));
  options.device = deviceFrom(config);
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
  options.g_optimizer = spec;
  options.g_optimizer.lr = config.getFloat("lr_g");
  options.d_optimizer = spec;
  options.d_optimizer.lr = config.getFloat("lr_d");
  return options;
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
  std::shared_ptr<const objectives::Objective> objective = objectives::makeObjective(config.getString("objective"));
  return std::make_unique<train::Trainer>(generator, discriminator, objective, std::move(source), latentPrior(config),
                                          options);
}

}  // namespace gantry::app
