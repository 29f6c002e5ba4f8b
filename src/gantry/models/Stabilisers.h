#pragma once

#include "gantry/core/Registry.h"
#include "gantry/core/Section.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <vector>

namespace gantry::models {

/// The [stabilisers] section: remedies for mode collapse that change the
/// players (docs/mode-collapse.md). Feature matching, which changes G's
/// loss, is in [game]; each is off by default.
struct StabiliserSettings {
  int64_t minibatch_kernels = 0;
  int64_t minibatch_kernel_dim = 5;
  int64_t minibatch_std_group = 0;
  int64_t pack = 1;
  double g_ema = 0.0;
};
const Section<StabiliserSettings>& stabiliserSection();

/// Features of a sample computed from the whole batch it came in, appended
/// to D's features before its last layer, so that D can tell a batch of
/// near-copies from a varied one. The input is D's features [N, F] of one
/// batch (real and generated batches each get their own); the output is
/// [N, width()].
class BatchFeature : public torch::nn::Module {
 public:
  virtual int64_t width() const = 0;
  virtual torch::Tensor forward(const torch::Tensor& features) = 0;
  /// Its parameters as slots (Discriminator::parameterSlots), in
  /// parameters() order.
  virtual std::vector<torch::Tensor*> parameterSlots() { return {}; }
};

/// A kind of batch feature (`gantry list batch-features`).
struct BatchFeatureEntry : RegistryEntry {
  std::function<bool(const StabiliserSettings&)> enabled;
  /// Features it appends per sample.
  std::function<int64_t(const StabiliserSettings&)> width;
  /// For D features of width F.
  std::function<std::shared_ptr<BatchFeature>(const StabiliserSettings&, int64_t featureWidth)> build;
};

/// minibatch-discrimination, minibatch-std.
const Registry<BatchFeatureEntry>& batchFeatureKinds();

/// The batch features the settings ask for, one after the other: what a
/// model family's D appends to its features [N, F] before its last layer
/// (a [N, F + width()] input for it). Built after D's own initialisation,
/// and registered after its layers: D's own parameters keep their draws
/// and their order.
class BatchFeatures : public torch::nn::Module {
 public:
  BatchFeatures(const StabiliserSettings& settings, int64_t featureWidth);
  /// Whether the settings ask for any.
  static bool any(const StabiliserSettings& settings);
  /// The width of those the settings ask for (0: none), before building them.
  static int64_t widthFor(const StabiliserSettings& settings);
  int64_t width() const { return width_; }
  /// Each feature's output for D's features [N, F], side by side: [N, width()].
  torch::Tensor forward(const torch::Tensor& features);
  std::vector<torch::Tensor*> parameterSlots();

 private:
  std::vector<std::shared_ptr<BatchFeature>> members_;
  int64_t width_ = 0;
};

/// The registry entries, each beside its feature.
BatchFeatureEntry minibatchDiscriminationEntry();
BatchFeatureEntry minibatchStddevEntry();

}  // namespace gantry::models
