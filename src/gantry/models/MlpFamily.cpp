#include "gantry/models/MlpFamily.h"

#include "gantry/core/Error.h"
#include "gantry/models/Conditioning.h"
#include "gantry/models/Mlp.h"
#include "gantry/models/StackedMlp.h"

#include <c10/util/accumulate.h>
#include <torch/torch.h>

namespace gantry::models {

const Section<MlpSettings>& mlpSection() {
  static const auto section =
      Section<MlpSettings>("mlp")
          .list("g_hidden", &MlpSettings::g_hidden, "generator hidden layer widths", Range::atLeast(1))
          .text("g_activation", &MlpSettings::g_activation, "generator hidden activation", hiddenActivationNames())
          .text("g_output", &MlpSettings::g_output, "generator output activation", outputActivationNames())
          .number("g_init_range", &MlpSettings::g_init_range,
                  "generator weights uniform in +-range, biases 0 (0 = LibTorch default)", Range::atLeast(0))
          .text("g_output_bias", &MlpSettings::g_output_bias,
                "generator output bias: zero, or data_mean = logit of the data's mean (pixels)", {"zero", "data_mean"})
          .list("d_hidden", &MlpSettings::d_hidden, "discriminator hidden layer widths (maxout: units)",
                Range::atLeast(1))
          .text("d_activation", &MlpSettings::d_activation, "discriminator hidden activation", hiddenActivationNames())
          .integer("maxout_pieces", &MlpSettings::maxout_pieces, "pieces per maxout unit", Range::atLeast(1))
          .number("d_input_keep", &MlpSettings::d_input_keep,
                  "dropout: probability of keeping a discriminator input (1 = off)", Range::leftOpen(0, 1))
          .number("d_hidden_keep", &MlpSettings::d_hidden_keep,
                  "dropout: probability of keeping a discriminator hidden unit (1 = off)", Range::leftOpen(0, 1))
          .number("d_init_range", &MlpSettings::d_init_range,
                  "discriminator weights uniform in +-range, biases 0 (0 = LibTorch default)", Range::atLeast(0))
          .number("orthogonal_gain", &MlpSettings::orthogonal_gain,
                  "both players' weights orthogonal times this gain, biases 0 (0 = off; the unrolled GAN's code: 1.4)",
                  Range::atLeast(0))
          .number("init_std", &MlpSettings::init_std,
                  "both players' weights N(0, std^2), biases 0 (0 = off; DCGAN's and PacGAN's 0.02)", Range::atLeast(0))
          .flag("g_batch_norm", &MlpSettings::g_batch_norm,
                "batch norm in the generator's hidden layers, before the activation (PacGAN's 2-d generator)");
  return section;
}

namespace {

/// One initialisation per player: orthogonal_gain with an init_range is
/// ambiguous.
void checkInit(const MlpSettings& s) {
  if (s.orthogonal_gain > 0 && (s.g_init_range > 0 || s.d_init_range > 0))
    throw UserError(
        "config key 'orthogonal_gain' sets both players' initialisation: set g_init_range and "
        "d_init_range to 0, or orthogonal_gain to 0");
  if (s.init_std > 0 && (s.g_init_range > 0 || s.d_init_range > 0 || s.orthogonal_gain > 0))
    throw UserError(
        "config key 'init_std' sets both players' initialisation: set g_init_range, d_init_range and "
        "orthogonal_gain to 0, or init_std to 0");
  if (s.g_batch_norm && s.g_activation == "maxout")
    throw UserError(
        "config key 'g_batch_norm' goes before a pointwise activation: choose g_activation = relu, "
        "leaky_relu or tanh, or g_batch_norm = false");
}

std::shared_ptr<Generator> buildGenerator(const Config& config, const ModelContext& context) {
  const auto s = mlpSection().read(config);
  checkInit(s);
  refuseTanhOutputOnImages("g_output", s.g_output, context);
  if (s.g_output_bias == "data_mean" && s.g_output != "sigmoid")
    throw UserError("config key 'g_output_bias' = data_mean needs an image dataset and g_output = sigmoid");
  auto options = MlpGeneratorOptions(context.latentDim + generatorInputExtra(context), context.sampleShape)
                     .hidden(s.g_hidden)
                     .activation(parseActivation(s.g_activation))
                     .output_activation(parseActivation(s.g_output))
                     .init_range(s.g_init_range)
                     .orthogonal_gain(s.orthogonal_gain)
                     .init_std(s.init_std)
                     .batch_norm(s.g_batch_norm)
                     .maxout_pieces(s.maxout_pieces);
  auto generator = std::make_shared<MlpGenerator>(options);
  if (s.g_output_bias == "data_mean" && context.dataMean) {
    // The 2014 code starts the sigmoid output at the pixel marginals.
    auto mean = context.dataMean();
    if (!mean.defined())
      throw UserError("config key 'g_output_bias' = data_mean needs an image dataset and g_output = sigmoid");
    generator->setOutputBias(torch::logit(mean.clamp(1e-7, 1 - 1e-7)));
  }
  return conditionGenerator(generator, context);
}

std::shared_ptr<Discriminator> buildDiscriminator(const Config& config, const ModelContext& context) {
  const auto s = mlpSection().read(config);
  const int64_t extra = discriminatorInputExtra(context);
  auto inputShape =
      extra > 0 ? std::vector<int64_t>{c10::multiply_integers(context.sampleShape) + extra} : context.sampleShape;
  auto options = MlpDiscriminatorOptions(inputShape)
                     .hidden(s.d_hidden)
                     .activation(parseActivation(s.d_activation))
                     .maxout_pieces(s.maxout_pieces)
                     .input_keep(s.d_input_keep)
                     .hidden_keep(s.d_hidden_keep)
                     .init_range(s.d_init_range)
                     .orthogonal_gain(s.orthogonal_gain)
                     .init_std(s.init_std)
                     .stabilisers(context.stabilisers);
  auto discriminator = std::make_shared<MlpDiscriminator>(options);
  return conditionDiscriminator(discriminator, context);
}

/// What the stacked players lack, as the key to change (population
/// training runs plain Linear layers with pointwise activations).
void refuseForPopulation(bool refused, const std::string& what) {
  if (refused) throw UserError("config key 'population' stacks plain MLP layers; " + what + ", or set population = 1");
}

template <typename Model, typename Base>
std::vector<std::shared_ptr<Model>> plainMembers(const std::vector<std::shared_ptr<Base>>& members,
                                                 const std::string& what) {
  std::vector<std::shared_ptr<Model>> plain;
  for (const auto& member : members) {
    plain.push_back(std::dynamic_pointer_cast<Model>(member));
    refuseForPopulation(!plain.back(), what);
  }
  return plain;
}

std::shared_ptr<Generator> stackGenerators(const std::vector<std::shared_ptr<Generator>>& members) {
  auto plain = plainMembers<MlpGenerator>(members, "set conditional = none");
  const auto& options = plain.front()->options();
  refuseForPopulation(options.batch_norm(), "set g_batch_norm = false");
  refuseForPopulation(options.activation() == Activation::Maxout, "choose another g_activation than maxout");
  return std::make_shared<StackedMlpGenerator>(plain);
}

std::shared_ptr<Discriminator> stackDiscriminators(const std::vector<std::shared_ptr<Discriminator>>& members) {
  auto plain = plainMembers<MlpDiscriminator>(members, "set conditional = none and pack = 1");
  const auto& options = plain.front()->options();
  refuseForPopulation(options.activation() == Activation::Maxout, "choose another d_activation than maxout");
  refuseForPopulation(options.input_keep() < 1.0 || options.hidden_keep() < 1.0,
                      "set d_input_keep = 1 and d_hidden_keep = 1 (no dropout)");
  refuseForPopulation(BatchFeatures::any(options.stabilisers()),
                      "set minibatch_kernels = 0 and minibatch_std_group = 0");
  return std::make_shared<StackedMlpDiscriminator>(plain);
}

}  // namespace

ModelFamilyEntry mlpFamily() {
  ModelFamilyEntry entry;
  entry.name = "mlp";
  entry.summary = "fully connected players: ReLU/leaky ReLU/tanh or maxout layers, dropout in D (the 2014 paper's)";
  entry.citation = "Goodfellow et al. 2014, Generative Adversarial Nets";
  entry.keys = mlpSection().keys();
  entry.conditioning = {"concat", "projection", "acgan"};
  entry.generator = buildGenerator;
  entry.discriminator = buildDiscriminator;
  entry.stackGenerators = stackGenerators;
  entry.stackDiscriminators = stackDiscriminators;
  return entry;
}

}  // namespace gantry::models
