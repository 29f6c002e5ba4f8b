#pragma once

#include "gantry/core/Registry.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/ModelFamily.h"

#include <torch/types.h>

#include <functional>
#include <memory>

namespace gantry::models {

/// A way to condition the players on the class (`conditional`). G is
/// conditioned the same way by all of them: a learned class embedding
/// concatenated to z (conditionGenerator); they differ in D.
struct ConditioningEntry : RegistryEntry {
  /// D reads the class as extra flat input (concat): the family builds its
  /// D for the sample's size plus discriminatorInputExtra() inputs. Other
  /// conditionings wrap an unconditional D that exposes its features.
  bool widensInput = false;
  std::function<std::shared_ptr<Discriminator>(std::shared_ptr<Discriminator> inner, const ModelContext& context)>
      wrapDiscriminator;
};

/// concat, projection, acgan (`conditional = none` is no entry).
const Registry<ConditioningEntry>& conditionings();

/// The extra inputs of G's inner model: class_embedding when conditioned.
int64_t generatorInputExtra(const ModelContext& context);
/// The extra flat inputs of D's inner model: class_embedding for a
/// conditioning that widens D's input, else 0.
int64_t discriminatorInputExtra(const ModelContext& context);
/// G conditioned as the context says (unchanged when unconditional); the
/// inner G maps latentDim + generatorInputExtra() inputs.
std::shared_ptr<Generator> conditionGenerator(std::shared_ptr<Generator> inner, const ModelContext& context);
/// D conditioned as the context says (unchanged when unconditional).
std::shared_ptr<Discriminator> conditionDiscriminator(std::shared_ptr<Discriminator> inner,
                                                      const ModelContext& context);

/// Class labels [n] as int64, or an error that names what is missing.
torch::Tensor requireClassLabels(const torch::Tensor& labels, int64_t n);

/// The registry entries, each beside its model.
ConditioningEntry concatConditioning();
ConditioningEntry projectionConditioning();
ConditioningEntry auxiliaryClassifierConditioning();

}  // namespace gantry::models
