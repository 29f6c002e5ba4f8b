#include "gantry/app/Settings.h"

#include "gantry/app/RunSettings.h"
#include "gantry/core/Error.h"

#include <fmt/format.h>

#include <algorithm>

namespace gantry::app {

namespace {

ConfigSchema buildSchema() {
  // The sections live beside the code that reads them; a model family's or
  // an update rule's keys come with its registry entry.
  ConfigSchema s;
  ConfigKey preset;
  preset.name = "preset";
  preset.type = ConfigType::String;
  preset.defaultValue = std::string("");
  preset.help = "preset this config started from (in a --config file: the base)";
  preset.choices = {""};
  for (const auto& p : presets()) preset.choices.push_back(p.name);
  s.add(preset);
  runSection().addTo(s);
  evalSection().addTo(s);
  data::dataSection().addTo(s);
  models::latentSection().addTo(s);
  models::modelSection().addTo(s);
  for (const auto& family : models::modelFamilies().entries())
    for (const auto& key : family.keys) s.add(key);
  models::stabiliserSection().addTo(s);
  objectives::gameSection().addTo(s);
  train::updateSection().addTo(s);
  for (const auto& rule : train::updateRules().entries())
    for (const auto& key : rule.keys) s.add(key);
  train::optimizerSection().addTo(s);
  train::sweepSection().addTo(s);
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
  // ring8 alone: f-GANs that trained seed 1 unaided but lost most modes on
  // other seeds or BLAS kernels (docs/objectives.md).
  auto ring8Objectives = mixture2dObjectives;
  ring8Objectives.push_back({"fgan-pearson", oneSidedGp});
  ring8Objectives.push_back({"fgan-hellinger", oneSidedGp});
  // DCGAN: the paper's Adam (2e-4, beta = (0.5, 0.999)), batch norm, N(0, 1)
  // noise; widths and steps sized for a run of at most 15 minutes on 2
  // cores (docs/presets.md).
  Settings dcgan = {{"model", "dcgan"},        {"latent", "normal"},    {"latent_dim", "64"},
                    {"dcgan_g_width", "32"},   {"dcgan_d_width", "32"}, {"objective", "nonsaturating"},
                    {"update", "alternating"}, {"optimizer", "adam"},   {"lr_g", "2e-4"},
                    {"lr_d", "2e-4"},          {"adam_beta1", "0.5"},   {"adam_beta2", "0.999"},
                    {"batch_size", "64"},      {"steps", "10000"},      {"log_every", "100"},
                    {"sample_every", "500"},   {"sample_count", "100"}, {"checkpoint_every", "1000"}};
  // The unconditional presets at eight times the paper's rate: at 2e-4 the
  // FD was still falling fast at 10,000 steps (136 there, 130 at 20,000);
  // at 1.6e-3 it is about 80 by then on three seeds (docs/presets.md).
  Settings dcganFast = with(dcgan, {{"lr_g", "1.6e-3"}, {"lr_d", "1.6e-3"}});
  // PacGAN's 2-d protocol (Lin et al. 2018; their released code): G 4 x 400
  // with batch norm, maxout D 3 x 200 x 5, N(0, 0.02^2) init, Adam 1e-4 with
  // beta1 0.8, both players updated from one pass (ALI's algorithm), D's
  // loss the sum of its two terms, batch 100 packs of pack = 4 samples.
  // Their 400 epochs of 100,000 samples are 400,000 steps; the presets stop
  // at 60,000, where grid25 ranks GAN and PacGAN4 as the paper does
  // (docs/mode-collapse.md has the measurements and what it costs).
  Settings pacgan = {{"latent", "normal"},
                     {"latent_dim", "2"},
                     {"g_hidden", "400,400,400,400"},
                     {"g_activation", "relu"},
                     {"g_batch_norm", "true"},
                     {"g_output", "identity"},
                     {"d_hidden", "200,200,200"},
                     {"d_activation", "maxout"},
                     {"maxout_pieces", "5"},
                     {"init_std", "0.02"},
                     {"objective", "nonsaturating"},
                     {"d_loss_sum", "true"},
                     {"update", "simultaneous"},
                     {"optimizer", "adam"},
                     {"lr_g", "1e-4"},
                     {"lr_d", "1e-4"},
                     {"adam_beta1", "0.8"},
                     {"adam_beta2", "0.999"},
                     {"batch_size", "100"},
                     {"pack", "4"},
                     {"steps", "60000"},
                     {"log_every", "500"},
                     {"sample_every", "5000"},
                     {"sample_count", "2500"},
                     {"checkpoint_every", "5000"}};
  return {
      {"ring8-pacgan",
       "PacGAN4 on ring8: the PacGAN paper's 2-d networks and settings (pack = 1: its GAN baseline)",
       with(pacgan, {{"dataset", "ring8"}}),
       {}},
      {"grid25-pacgan",
       "PacGAN4 on grid25: the PacGAN paper's 2-d networks and settings (pack = 1: its GAN baseline)",
       with(pacgan, {{"dataset", "grid25"}}),
       {}},
      {"mnist-mlp",
       "Goodfellow et al. (2014) MNIST: maxout D with dropout, ReLU G, SGD with momentum",
       with(paperMlp, {{"dataset", "mnist"}}),
       {}},
      {"mnist-paper",
       "Goodfellow et al. (2014) MNIST as released: mnist-mlp with the code's Gaussian noise, 250 epochs, Parzen "
       "every 25 epochs",
       // Their Generator's default noise is N(0, I) and mnist.yaml sets none;
       // 250 epochs is where their momentum ramp saturates (the config has no
       // end). docs/reproduction.md has the curve.
       with(paperMlp, {{"dataset", "mnist"},
                       {"latent", "normal"},
                       {"steps", "125000"},
                       {"sample_every", "12500"},
                       {"checkpoint_every", "5000"},
                       {"eval_every", "12500"},
                       {"eval_metrics", "parzen"},
                       {"eval_samples", "10000"}}),
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
       with(mixture2d, {{"dataset", "ring8"}, {"steps", "10000"}}), ring8Objectives},
      {"grid25", "25 Gaussians on a 5x5 grid, std 0.05 (PacGAN protocol)",
       with(mixture2d, {{"dataset", "grid25"}, {"steps", "14000"}}), mixture2dObjectives},
      {"ring8-unrolled",
       "ring8 in the unrolled GAN's reference setting: 2x128 tanh MLPs, 256-d noise, batch 512, K = 5",
       with(toy, {{"dataset", "ring8"},
                  {"latent_dim", "256"},
                  {"g_hidden", "128,128"},
                  {"d_hidden", "128,128"},
                  {"g_activation", "tanh"},
                  {"d_activation", "tanh"},
                  {"orthogonal_gain", "1.4"},
                  {"objective", "minimax"},
                  {"batch_size", "512"},
                  {"lr_g", "1e-3"},
                  {"lr_d", "1e-4"},
                  {"update", "unrolled"},
                  {"unroll_steps", "5"},
                  {"steps", "25000"},
                  {"log_every", "100"},
                  {"sample_every", "5000"},
                  {"checkpoint_every", "5000"}}),
       {}},
      {"dirac",
       "the Dirac-GAN: data at 0, G = point mass at theta, D(x) = psi x; plain gradient steps",
       {{"model", "dirac"},
        {"dataset", "dirac"},
        {"latent", "normal"},
        {"latent_dim", "1"},
        {"batch_size", "1"},
        {"objective", "nonsaturating"},
        {"d_loss_sum", "true"},
        {"update", "alternating"},
        {"optimizer", "sgd"},
        {"momentum", "0"},
        {"momentum_final", "0"},
        {"lr_g", "0.1"},
        {"lr_d", "0.1"},
        {"penalty_weight", "1"},
        {"steps", "1000"},
        {"log_every", "1"},
        {"sample_every", "0"},
        {"sample_count", "100"},
        {"checkpoint_every", "0"}},
       {}},
      {"dcgan-mnist",
       "DCGAN (Radford et al. 2016) on MNIST: transposed convolutions up, strided convolutions down, Adam 1.6e-3",
       with(dcganFast, {{"dataset", "mnist"}}),
       {}},
      {"dcgan-fashion",
       "DCGAN (Radford et al. 2016) on Fashion-MNIST, the networks and settings of dcgan-mnist",
       with(dcganFast, {{"dataset", "fashion"}}),
       {}},
      {"acgan-mnist",
       "AC-GAN (Odena et al. 2017) on MNIST: dcgan-mnist's networks, D's class head, G told the class",
       // D's class term on real data alone: with the paper's fake term too,
       // G and D's class head agree on one image per class that is often
       // another class (docs/presets.md has the measurements).
       with(
           dcgan,
           {{"dataset", "mnist"}, {"conditional", "acgan"}, {"class_embedding", "10"}, {"class_loss_d_fake", "false"}}),
       {}},
      {"infogan-mnist",
       "InfoGAN (Chen et al. 2016) on MNIST: dcgan-mnist's networks and a 10-way categorical code that D's head "
       "recovers; no label read",
       // AC-GAN's machinery without the real term: the classes are a code G
       // and D's head agree on, drawn uniformly. Unlike dcgan-mnist, G's
       // latent space falls apart into ten regions, so fewer samples lie
       // between digits (docs/presets.md has the FDs).
       with(dcgan, {{"dataset", "mnist"},
                    {"conditional", "acgan"},
                    {"class_embedding", "10"},
                    {"class_loss_d_real", "false"},
                    {"steps", "12500"}}),
       {}},
      {"projection-fashion",
       "conditional Fashion-MNIST: dcgan-mnist's networks with a projection discriminator (Miyato & Koyama 2018)",
       with(dcgan, {{"dataset", "fashion"}, {"conditional", "projection"}, {"class_embedding", "10"}}),
       {}},
      {"cgan-mnist",
       "conditional MNIST: the 2014 networks, a class embedding concatenated to z and to D's input, R1 0.1",
       // Without R1 the 2014 recipe collapses per class here (G's z weights
       // shrink, the label's grow: one image per class, half of them of
       // another class); docs/presets.md has the measurements.
       with(paperMlp, {{"dataset", "mnist"},
                       {"conditional", "concat"},
                       {"class_embedding", "10"},
                       {"penalty", "r1"},
                       {"penalty_weight", "0.1"},
                       {"steps", "40000"}}),
       {}},
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
  const auto* entry = trainingSchema().find(key);
  return entry && entry->resumable;
}

}  // namespace gantry::app
