#include "gantry/models/Stabilisers.h"

#include <torch/torch.h>

#include <string>

namespace gantry::models {

const Section<StabiliserSettings>& stabiliserSection() {
  using S = StabiliserSettings;
  static const auto section =
      Section<S>("stabilisers")
          .integer("minibatch_kernels", &S::minibatch_kernels,
                   "minibatch discrimination (Salimans et al. 2016): B, kernels of D's closeness features appended "
                   "before its last layer (0 = off; the paper's 100)",
                   Range::atLeast(0))
          .integer("minibatch_kernel_dim", &S::minibatch_kernel_dim,
                   "minibatch discrimination: C, the dimension each kernel compares samples in (the paper's 5)",
                   Range::atLeast(1))
          .integer("minibatch_std_group", &S::minibatch_std_group,
                   "minibatch standard deviation (Karras et al. 2018): group size; the spread of D's features within "
                   "each group appended as one feature before its last layer (0 = off; the paper's 4)",
                   Range::atLeast(0))
          .integer("pack", &S::pack,
                   "PacGAN (Lin et al. 2018): D judges packs of m samples, concatenated along features (channels "
                   "for images); a step draws batch_size packs, batch_size * m real samples and as many generated "
                   "(1 = off)",
                   Range::atLeast(1))
          .number("g_ema", &S::g_ema,
                  "decay of an exponential moving average of G's weights, kept beside them for `gantry sample "
                  "--ema` and `gantry eval --ema` (0 = off; 0.999 is common)",
                  Range::rightOpen(0, 1));
  return section;
}

const Registry<BatchFeatureEntry>& batchFeatureKinds() {
  static const Registry<BatchFeatureEntry> registry = [] {
    Registry<BatchFeatureEntry> r("batch feature");
    r.add(minibatchDiscriminationEntry());
    r.add(minibatchStddevEntry());
    return r;
  }();
  return registry;
}

BatchFeatures::BatchFeatures(const StabiliserSettings& settings, int64_t featureWidth) {
  for (const auto& kind : batchFeatureKinds().entries()) {
    if (!kind.enabled(settings)) continue;
    auto member = register_module(kind.name, kind.build(settings, featureWidth));
    width_ += member->width();
    members_.push_back(std::move(member));
  }
}

bool BatchFeatures::any(const StabiliserSettings& settings) { return widthFor(settings) > 0; }

int64_t BatchFeatures::widthFor(const StabiliserSettings& settings) {
  int64_t width = 0;
  for (const auto& kind : batchFeatureKinds().entries())
    if (kind.enabled(settings)) width += kind.width(settings);
  return width;
}

torch::Tensor BatchFeatures::forward(const torch::Tensor& features) {
  std::vector<torch::Tensor> parts;
  for (const auto& member : members_) parts.push_back(member->forward(features).to(features.dtype()));
  return torch::cat(parts, 1);
}

std::vector<torch::Tensor*> BatchFeatures::parameterSlots() {
  std::vector<torch::Tensor*> slots;
  for (const auto& member : members_)
    for (auto* slot : member->parameterSlots()) slots.push_back(slot);
  return slots;
}

}  // namespace gantry::models
