#include "gantry/models/ModelFamily.h"

#include "gantry/core/Error.h"
#include "gantry/models/Conditioning.h"
#include "gantry/models/Dcgan.h"
#include "gantry/models/Dirac.h"
#include "gantry/models/LatentPrior.h"
#include "gantry/models/MlpFamily.h"

#include <fmt/format.h>

#include <algorithm>

namespace gantry::models {

const Registry<ModelFamilyEntry>& modelFamilies() {
  static const Registry<ModelFamilyEntry> registry = [] {
    Registry<ModelFamilyEntry> r("model family");
    r.add(mlpFamily());
    r.add(diracFamily());
    r.add(dcganFamily());
    return r;
  }();
  return registry;
}

const std::vector<std::string>& conditioningNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = {"none"};
    for (const auto& name : conditionings().names()) all.push_back(name);
    return all;
  }();
  return names;
}

const Section<ModelSettings>& modelSection() {
  static const auto section =
      Section<ModelSettings>("model")
          .text("model", &ModelSettings::model, "model family of both players (gantry list models)",
                modelFamilies().names())
          .text("conditional", &ModelSettings::conditional,
                "conditioning on the class: none, or a way of `gantry list conditionings` (concat: Mirza & "
                "Osindero 2014; projection: Miyato & Koyama 2018; acgan: Odena et al. 2017); the model family "
                "says which it supports",
                conditioningNames())
          .integer(
              "class_embedding", &ModelSettings::class_embedding,
              "conditional models: width of G's learned class embedding (concatenated to z), and of D's for concat",
              Range::atLeast(1));
  return section;
}

const Section<LatentSettings>& latentSection() {
  static const auto section =
      Section<LatentSettings>("latent")
          .text("latent", &LatentSettings::latent, "noise prior: uniform = U(-sqrt 3, sqrt 3), normal = N(0, 1)",
                LatentPrior::kindNames())
          .integer("latent_dim", &LatentSettings::latent_dim, "dimension of the noise z", Range::atLeast(1));
  return section;
}

const ModelFamilyEntry& familyFor(const ModelSettings& settings, const ModelContext& context) {
  const auto& family = modelFamilies().require(settings.model, "config key 'model'");
  if (settings.conditional != "none") {
    const auto& kinds = family.conditioning;
    if (std::find(kinds.begin(), kinds.end(), settings.conditional) == kinds.end())
      throw UserError(fmt::format(
          "config key 'conditional' = {} is not supported by model = {}{}", settings.conditional, settings.model,
          kinds.empty() ? " (it has no conditional form)" : fmt::format(" (it supports {})", fmt::join(kinds, ", "))));
    if (context.classes < 2)
      throw UserError(
          fmt::format("config key 'conditional' = {} needs labelled data with at least 2 classes; the dataset has {}",
                      settings.conditional, context.classes));
  }
  const auto& stabilisers = context.stabilisers;
  const bool stabilised = stabilisers.pack > 1 || BatchFeatures::any(stabilisers);
  if (stabilised && !family.stabilisers)
    throw UserError(fmt::format(
        "config keys 'pack', 'minibatch_kernels' and 'minibatch_std_group' change D, which model = {} does not "
        "support; set them to 1, 0 and 0",
        settings.model));
  if (stabilisers.pack > 1 && settings.conditional != "none")
    throw UserError(fmt::format(
        "config key 'pack' = {} packs samples of different classes together, which conditional = {} cannot judge; "
        "set pack = 1 or conditional = none",
        stabilisers.pack, settings.conditional));
  return family;
}

void refuseTanhOutputOnImages(const std::string& key, const std::string& output, const ModelContext& context) {
  if (output != "tanh" || !context.dataMean || context.sampleShape.size() != 3) return;
  throw UserError(fmt::format(
      "config key '{}' = tanh puts G's samples in [-1, 1], but image data are scaled to [0, 1] (D's real batches, "
      "the PNGs and the metrics read them so); set {} = sigmoid",
      key, key));
}

}  // namespace gantry::models
