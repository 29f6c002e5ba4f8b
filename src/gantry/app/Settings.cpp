#include "gantry/app/Settings.h"

#include "gantry/core/Error.h"
#include "gantry/objectives/Objective.h"

#include <fmt/format.h>

#include <algorithm>

namespace gantry::app {

namespace {

using V = std::vector<int64_t>;
using S = std::vector<std::string>;

ConfigSchema buildSchema() {
  ConfigSchema s;
  auto add = [&s](std::string name, ConfigType type, ConfigValue value, std::string help, S choices = {},
                  double minimum = -1e300) {
    s.add(ConfigKey{std::move(name), type, std::move(value), std::move(help), std::move(choices), minimum});
  };
  using T = ConfigType;
  add("preset", T::String, std::string(""), "preset this config started from (in a --config file: the base)");
  // Run
  add("seed", T::Int, int64_t{1}, "random seed: same seed, same run", {}, 0);
  add("steps", T::Int, int64_t{10000}, "generator updates in all", {}, 1);
  add("device", T::String, std::string("cpu"), "cpu, cuda or cuda:N (cuda needs a LibTorch built with CUDA)");
  add("threads", T::Int, int64_t{0},
      "LibTorch intra-op threads (0 = auto: 1, as OpenBLAS threads the matrix products itself)", {}, 0);
  add("blas_threads", T::Int, int64_t{0},
      "OpenBLAS threads (0 = auto: 1 for small models, whose products are too small to share, else one per core)", {},
      0);
  add("overlap", T::Bool, true,
      "with one OpenBLAS thread on a multi-core CPU: run independent matrix products of a step (D on the real and "
      "the generated batch, a layer's weight and input gradients) on a second thread; same results bit for bit");
  add("precision", T::String, std::string("float32"),
      "forward passes in float32, or bf16 (autocast: matrix products in bfloat16, fast on CPUs with AVX-512 BF16)",
      {"float32", "bf16"});
  add("log_every", T::Int, int64_t{100}, "steps between lines of metrics.jsonl", {}, 1);
  add("sample_every", T::Int, int64_t{1000}, "steps between sample pictures (0 = only at the end)", {}, 0);
  add("sample_count", T::Int, int64_t{100}, "samples in each picture (grid or plot)", {}, 1);
  add("checkpoint_every", T::Int, int64_t{1000}, "steps between checkpoints (0 = only at the end)", {}, 0);
  // Evaluation during training (docs/evaluation.md)
  add("eval_every", T::Int, int64_t{0}, "steps between evaluations into metrics.jsonl (0 = off)", {}, 0);
  add("eval_metrics", T::String, std::string(""),
      "metrics evaluated during training, comma-separated (empty: modes on toy data; fd, kid, prdc, "
      "classifier-score, classes on mnist and fashion; memorization on image folders)");
  add("eval_samples", T::Int, int64_t{1000},
      "samples per evaluation during training, from fixed noise (fewer than gantry eval's protocols: cheaper, and "
      "comparable only with each other)",
      {}, 2);
  add("eval_classifier", T::String, std::string(""),
      "classifier file for the feature metrics during training (empty: data/classifiers/DATASET.pt)");
  // Data
  add("dataset", T::String, std::string("ring8"), "training data",
      {"mnist", "fashion", "images", "gaussian1d", "ring8", "grid25"});
  add("data_dir", T::String, std::string(""),
      "folder of the dataset's files (empty: data/mnist or $GANTRY_DATA/mnist for mnist, "
      "/usr/share/datasets/fashion-mnist for fashion; required for images)");
  add("image_size", T::Int, int64_t{28}, "images: height and width after resizing", {}, 1);
  add("grayscale", T::Bool, true, "images: one channel (else RGB)");
  add("batch_size", T::Int, int64_t{64}, "minibatch size (real and generated alike)", {}, 1);
  // Latent
  add("latent", T::String, std::string("normal"), "noise prior: uniform = U(-sqrt 3, sqrt 3), normal = N(0, 1)",
      {"uniform", "normal"});
  add("latent_dim", T::Int, int64_t{2}, "dimension of the noise z", {}, 1);
  // Generator
  add("g_hidden", T::IntList, V{128, 128}, "generator hidden layer widths", {}, 1);
  add("g_activation", T::String, std::string("relu"), "generator hidden activation",
      {"relu", "leaky_relu", "tanh", "maxout"});
  add("g_output", T::String, std::string("identity"), "generator output activation", {"identity", "sigmoid", "tanh"});
  add("g_init_range", T::Float, 0.0, "generator weights uniform in +-range, biases 0 (0 = LibTorch default)", {}, 0.0);
  add("g_output_bias", T::String, std::string("zero"),
      "generator output bias: zero, or data_mean = logit of the data's mean (pixels)", {"zero", "data_mean"});
  // Discriminator
  add("d_hidden", T::IntList, V{128, 128}, "discriminator hidden layer widths (maxout: units)", {}, 1);
  add("d_activation", T::String, std::string("leaky_relu"), "discriminator hidden activation",
      {"relu", "leaky_relu", "tanh", "maxout"});
  add("maxout_pieces", T::Int, int64_t{5}, "pieces per maxout unit", {}, 1);
  add("d_input_keep", T::Float, 1.0, "dropout: probability of keeping a discriminator input (1 = off)", {}, 0.0);
  add("d_hidden_keep", T::Float, 1.0, "dropout: probability of keeping a discriminator hidden unit (1 = off)", {}, 0.0);
  add("d_init_range", T::Float, 0.0, "discriminator weights uniform in +-range, biases 0 (0 = LibTorch default)", {},
      0.0);
  // Game and schedule
  add("objective", T::String, std::string("nonsaturating"),
      "the game (docs/objectives.md): minimax, nonsaturating, f-GAN divergences, Wasserstein, least squares, hinge",
      objectives::objectiveNames());
  add("weight_clip", T::Float, 0.01, "wgan: critic weights clipped to [-c, c] after every update", {}, 0.0);
  add("penalty", T::String, std::string("none"),
      "term added to D's loss: r1 (real data), r2 (generated), gp (WGAN-GP interpolates); wgan-gp implies gp",
      {"none", "r1", "r2", "gp"});
  add("penalty_weight", T::Float, 10.0, "weight of the penalty: gamma of r1/r2 (gamma/2 E|grad D|^2), lambda of gp", {},
      0.0);
  add("gp_one_sided", T::Bool, false, "gp: penalise only gradient norms above 1");
  add("instance_noise", T::Float, 0.0, "std of Gaussian noise added to every input of D (0 = off)", {}, 0.0);
  add("instance_noise_anneal", T::Int, int64_t{0},
      "steps over which instance_noise decays linearly to 0 (0 = constant)", {}, 0);
  add("d_steps", T::Int, int64_t{1}, "k: discriminator updates per generator update", {}, 1);
  add("update", T::String, std::string("alternating"),
      "alternating (D then G) or simultaneous (both from one forward pass)", {"alternating", "simultaneous"});
  // Optimizers
  add("optimizer", T::String, std::string("adam"), "optimizer of both players (rmsprop: as in the WGAN paper)",
      {"sgd", "adam", "rmsprop"});
  add("lr_g", T::Float, 2e-4, "generator learning rate", {}, 0.0);
  add("lr_d", T::Float, 2e-4, "discriminator learning rate", {}, 0.0);
  add("lr_decay", T::Float, 1.0, "divide the learning rates by this after every step (1 = constant)", {}, 1.0);
  add("lr_min", T::Float, 0.0, "floor of the decayed learning rates", {}, 0.0);
  add("momentum", T::Float, 0.5, "sgd: momentum (at epoch momentum_start)", {}, 0.0);
  add("momentum_final", T::Float, 0.5, "sgd: momentum reached at epoch momentum_end", {}, 0.0);
  add("momentum_start", T::Int, int64_t{0}, "sgd: epoch the momentum ramp starts", {}, 0);
  add("momentum_end", T::Int, int64_t{0}, "sgd: epoch the ramp ends (<= start: no ramp)", {}, 0);
  add("adam_beta1", T::Float, 0.5, "adam: beta1", {}, 0.0);
  add("adam_beta2", T::Float, 0.999, "adam: beta2", {}, 0.0);
  add("rmsprop_alpha", T::Float, 0.99, "rmsprop: smoothing constant of the squared-gradient average", {}, 0.0);
  return s;
}

std::vector<Preset> buildPresets() {
  // The paper's networks and hyperparameters (Goodfellow et al. 2014, released
  // code); see docs/presets.md.
  Settings paperMlp = {{"latent", "uniform"},
                       {"latent_dim", "100"},
                       {"g_hidden", "1200,1200"},
                       {"g_activation", "relu"},
                       {"g_output", "sigmoid"},
                       {"g_init_range", "0.05"},
                       {"g_output_bias", "data_mean"},
                       {"d_hidden", "240,240"},
                       {"d_activation", "maxout"},
                       {"maxout_pieces", "5"},
                       {"d_input_keep", "0.8"},
                       {"d_hidden_keep", "0.5"},
                       {"d_init_range", "0.005"},
                       {"objective", "nonsaturating"},
                       {"d_steps", "1"},
                       {"update", "simultaneous"},
                       {"optimizer", "sgd"},
                       {"lr_g", "0.1"},
                       {"lr_d", "0.1"},
                       {"lr_decay", "1.000004"},
                       {"lr_min", "1e-6"},
                       {"momentum", "0.5"},
                       {"momentum_final", "0.7"},
                       {"momentum_start", "1"},
                       {"momentum_end", "250"},
                       {"batch_size", "100"},
                       {"steps", "10000"},
                       {"log_every", "100"},
                       {"sample_every", "1000"},
                       {"sample_count", "100"},
                       {"checkpoint_every", "1000"}};
  auto with = [](Settings base, const Settings& extra) {
    base.insert(base.end(), extra.begin(), extra.end());
    return base;
  };
  Settings toy = {{"latent", "normal"},           {"g_activation", "relu"},       {"g_output", "identity"},
                  {"d_activation", "leaky_relu"}, {"objective", "nonsaturating"}, {"update", "alternating"},
                  {"optimizer", "adam"},          {"adam_beta1", "0.5"},          {"adam_beta2", "0.999"},
                  {"sample_count", "1000"}};
  // ring8 and grid25 share networks and optimizer (tuning: docs/presets.md).
  auto mixture2d = with(toy, {{"latent_dim", "2"},
                              {"g_hidden", "128,128,128"},
                              {"d_hidden", "128,128,128"},
                              {"batch_size", "128"},
                              {"lr_g", "1e-3"},
                              {"lr_d", "1e-3"},
                              {"log_every", "100"},
                              {"sample_every", "1000"},
                              {"checkpoint_every", "5000"}});
  // Settings per objective where the preset's own do not train it (why:
  // docs/objectives.md). The f-GANs whose f* grows exponentially (KL, reverse
  // KL, Neyman χ²) get a one-sided gradient penalty, which bounds D's slope
  // and so the exponentials; WGAN-GP gets the one-sided form of its own
  // penalty (the two-sided one cannot flip the sign of a 1-d critic's slope)
  // and the paper's k = 5 and β₂ = 0.9.
  Settings oneSidedGp = {{"penalty", "gp"}, {"gp_one_sided", "true"}};
  std::vector<std::pair<std::string, Settings>> gaussian1dObjectives = {
      {"wgan-gp", {{"gp_one_sided", "true"}, {"d_steps", "5"}, {"adam_beta2", "0.9"}}},
      {"fgan-kl", oneSidedGp},
      {"fgan-reverse-kl", oneSidedGp},
      {"fgan-pearson", oneSidedGp},
      {"fgan-neyman", with(oneSidedGp, {{"d_steps", "1"}, {"lr_d", "1e-4"}})},
      {"fgan-tv", {{"penalty", "r1"}, {"penalty_weight", "10"}}},
  };
  std::vector<std::pair<std::string, Settings>> mixture2dObjectives = {
      {"wgan", {{"optimizer", "rmsprop"}, {"lr_g", "5e-5"}, {"lr_d", "5e-5"}, {"d_steps", "5"}}},
      {"wgan-gp", {{"gp_one_sided", "true"}, {"d_steps", "5"}, {"adam_beta2", "0.9"}, {"lr_decay", "1.0003"}}},
      {"lsgan", {{"penalty", "r1"}, {"penalty_weight", "1"}}},
      {"fgan-kl", oneSidedGp},
      {"fgan-reverse-kl", oneSidedGp},
      {"fgan-neyman", oneSidedGp},
      {"fgan-tv", {{"penalty", "r1"}, {"penalty_weight", "10"}}},
  };
  return {
      {"mnist-mlp",
       "Goodfellow et al. (2014) MNIST: maxout D with dropout, ReLU G, SGD with momentum",
       with(paperMlp, {{"dataset", "mnist"}}),
       {}},
      {"fashion-mlp",
       "the paper's MNIST networks and hyperparameters on Fashion-MNIST",
       with(paperMlp, {{"dataset", "fashion"}}),
       {}},
      {"gaussian1d", "1-d Gaussian N(4, 0.5^2) with small MLPs",
       with(toy, {{"dataset", "gaussian1d"},
                  {"latent_dim", "4"},
                  {"g_hidden", "64,64"},
                  {"d_hidden", "256,256"},
                  {"batch_size", "128"},
                  {"d_steps", "2"},
                  {"lr_g", "5e-4"},
                  {"lr_d", "1e-3"},
                  {"lr_decay", "1.0008"},
                  {"steps", "3000"},
                  {"log_every", "50"},
                  {"sample_every", "500"},
                  {"checkpoint_every", "1000"}}),
       gaussian1dObjectives},
      {"ring8", "8 Gaussians on the unit circle, std 0.01 (PacGAN protocol)",
       with(mixture2d, {{"dataset", "ring8"}, {"steps", "10000"}}), mixture2dObjectives},
      {"grid25", "25 Gaussians on a 5x5 grid, std 0.05 (PacGAN protocol)",
       with(mixture2d, {{"dataset", "grid25"}, {"steps", "14000"}}), mixture2dObjectives},
  };
}

}  // namespace

const ConfigSchema& trainingSchema() {
  static const ConfigSchema schema = buildSchema();
  return schema;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = buildPresets();
  return all;
}

const std::string& defaultPresetName() {
  static const std::string name = "mnist-mlp";
  return name;
}

void applyPreset(Config& config, const std::string& name, const std::string& objective) {
  const auto& all = presets();
  auto it = std::find_if(all.begin(), all.end(), [&](const Preset& p) { return p.name == name; });
  if (it == all.end()) {
    std::vector<std::string> names;
    for (const auto& p : all) names.push_back(p.name);
    throw UserError(
        fmt::format("unknown preset '{}'; choose one of {} (gantry presets lists them)", name, fmt::join(names, ", ")));
  }
  config = Config(config.schema());
  for (const auto& [key, value] : it->settings) config.setText(key, value, "preset " + name);
  config.set("preset", name, "preset " + name);
  if (objective.empty()) return;
  config.setText("objective", objective, "preset " + name);
  for (const auto& [tunedObjective, settings] : it->objectiveSettings)
    if (tunedObjective == objective)
      for (const auto& [key, value] : settings) config.setText(key, value, "preset " + name + " for " + objective);
}

bool isRunInvariantKey(const std::string& key) {
  static const std::vector<std::string> keys = {"steps",        "device",         "threads",      "blas_threads",
                                                "overlap",      "log_every",      "sample_every", "checkpoint_every",
                                                "data_dir",     "sample_count",   "eval_every",   "eval_metrics",
                                                "eval_samples", "eval_classifier"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace gantry::app
