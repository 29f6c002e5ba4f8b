#include "gantry/models/MinibatchStddev.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

namespace gantry::models {

torch::Tensor MinibatchStddev::forward(const torch::Tensor& features) {
  const int64_t n = features.size(0);
  const int64_t group = std::min(group_, n);
  if (n % group != 0)
    throw UserError(fmt::format(
        "config key 'minibatch_std_group' = {}: D was given a batch of {}, which is not a multiple of it; choose "
        "batch sizes (batch_size, jacobian_batch) that are",
        group_, n));
  const int64_t groups = n / group;
  auto x = features.reshape({group, groups, -1});
  auto spread = torch::sqrt((x - x.mean(0, true)).square().mean(0) + 1e-8).mean(1);  // [groups]
  return spread.repeat({group}).unsqueeze(1);
}

BatchFeatureEntry minibatchStddevEntry() {
  BatchFeatureEntry entry;
  entry.name = "minibatch-std";
  entry.summary =
      "one feature per sample: the standard deviation of D's features within its group of minibatch_std_group "
      "strided samples, averaged over features";
  entry.citation = "Karras et al. 2018, Progressive Growing of GANs for Improved Quality, Stability, and Variation";
  entry.enabled = [](const StabiliserSettings& s) { return s.minibatch_std_group > 0; };
  entry.width = [](const StabiliserSettings&) { return int64_t{1}; };
  entry.build = [](const StabiliserSettings& s, int64_t) -> std::shared_ptr<BatchFeature> {
    return std::make_shared<MinibatchStddev>(s.minibatch_std_group);
  };
  return entry;
}

}  // namespace gantry::models
