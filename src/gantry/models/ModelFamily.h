#pragma once

#include "gantry/core/Config.h"
#include "gantry/core/Registry.h"
#include "gantry/core/Section.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/Stabilisers.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gantry::models {

/// The [model] section: which family builds the players, and how they are
/// conditioned on a class.
struct ModelSettings {
  std::string model = "mlp";
  std::string conditional = "none";
  int64_t class_embedding = 10;
};
const Section<ModelSettings>& modelSection();

/// The [latent] section: the noise G maps from.
struct LatentSettings {
  std::string latent = "normal";
  int64_t latent_dim = 2;
};
const Section<LatentSettings>& latentSection();

/// The values of `conditional`: none, and the ways a family may condition
/// its players on the class (gantry/models/Conditioning.h).
const std::vector<std::string>& conditioningNames();

/// What a family builds its players for.
struct ModelContext {
  std::vector<int64_t> sampleShape;  // one sample of the data
  int64_t latentDim = 0;
  int64_t classes = 1;  // of the data: labels in [0, classes)
  ModelSettings model;
  /// D's batch features (minibatch discrimination, minibatch std) and
  /// packing; g_ema is the trainer's.
  StabiliserSettings stabilisers;
  /// The training split's mean sample, for a family that starts from the
  /// data (the 2014 code's output bias); null for toy data, and when the
  /// weights are loaded next (sampling, evaluation).
  std::function<torch::Tensor()> dataMean;

  bool conditioned() const { return model.conditional != "none"; }
};

/// A model family: how G and D are built from its own config section.
struct ModelFamilyEntry : RegistryEntry {
  /// Its section of the config ([mlp], [dirac]).
  std::vector<ConfigKey> keys;
  /// The values of `conditional` other than none that it supports.
  std::vector<std::string> conditioning;
  /// Whether its D takes batch features (gantry/models/Stabilisers.h) and
  /// packed inputs.
  bool stabilisers = true;
  std::function<std::shared_ptr<Generator>(const Config&, const ModelContext&)> generator;
  std::function<std::shared_ptr<Discriminator>(const Config&, const ModelContext&)> discriminator;
  /// Population training (the key `population`): members built one by one
  /// by the two above, stacked into one model whose passes serve them all
  /// (Model::members). Null: the family does not train populations. Throws
  /// UserError naming the key of a setting its stacked models lack.
  std::function<std::shared_ptr<Generator>(const std::vector<std::shared_ptr<Generator>>&)> stackGenerators;
  std::function<std::shared_ptr<Discriminator>(const std::vector<std::shared_ptr<Discriminator>>&)> stackDiscriminators;
};

/// mlp, dirac, dcgan.
const Registry<ModelFamilyEntry>& modelFamilies();

/// The family the config names, after checking that it supports the
/// configured conditioning and data (UserError naming the key otherwise).
const ModelFamilyEntry& familyFor(const ModelSettings& settings, const ModelContext& context);

/// gantry's image datasets are scaled to [0, 1], which D's real batches, the
/// PNGs and the metrics read: a G whose output (config key `key`) is tanh,
/// in [−1, 1], cannot match them. A UserError when training on images
/// (context.dataMean is set only then); runs saved before still load for
/// sampling and evaluation.
void refuseTanhOutputOnImages(const std::string& key, const std::string& output, const ModelContext& context);

}  // namespace gantry::models
