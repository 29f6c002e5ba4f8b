#include "gantry/models/Conditioning.h"

#include "gantry/models/ConcatConditioning.h"

#include <torch/torch.h>

namespace gantry::models {

const Registry<ConditioningEntry>& conditionings() {
  static const Registry<ConditioningEntry> registry = [] {
    Registry<ConditioningEntry> r("conditioning");
    r.add(concatConditioning());
    r.add(projectionConditioning());
    r.add(auxiliaryClassifierConditioning());
    return r;
  }();
  return registry;
}

int64_t generatorInputExtra(const ModelContext& context) {
  return context.conditioned() ? context.model.class_embedding : 0;
}

int64_t discriminatorInputExtra(const ModelContext& context) {
  if (!context.conditioned()) return 0;
  const auto& entry = conditionings().require(context.model.conditional, "config key 'conditional'");
  return entry.widensInput ? context.model.class_embedding : 0;
}

std::shared_ptr<Generator> conditionGenerator(std::shared_ptr<Generator> inner, const ModelContext& context) {
  if (!context.conditioned()) return inner;
  return std::make_shared<ConcatConditionedGenerator>(std::move(inner), context.latentDim, context.classes,
                                                      context.model.class_embedding);
}

std::shared_ptr<Discriminator> conditionDiscriminator(std::shared_ptr<Discriminator> inner,
                                                      const ModelContext& context) {
  if (!context.conditioned()) return inner;
  const auto& entry = conditionings().require(context.model.conditional, "config key 'conditional'");
  return entry.wrapDiscriminator(std::move(inner), context);
}

torch::Tensor requireClassLabels(const torch::Tensor& labels, int64_t n) {
  TORCH_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == n,
              "a conditional model needs one label per sample");
  return labels.to(torch::kLong);
}

}  // namespace gantry::models
