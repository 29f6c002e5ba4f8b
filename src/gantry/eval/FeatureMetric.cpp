#include "gantry/eval/FeatureMetric.h"

#include "gantry/core/Error.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::eval {

void FeatureMetric::update(const torch::Tensor& samples) {
  if (!extractor_) throw std::logic_error(name() + ": no feature extractor; use updateFeatures()");
  updateFeatures(extractor_->extract(samples));
}

ImageFeatures FeatureMetric::generated(int64_t minimum) const {
  auto all = ImageFeatures::concatenate(generated_);
  if (all.size() < minimum)
    throw UserError("metric '" + name() + "' needs at least " + std::to_string(minimum) + " samples, got " +
                    std::to_string(all.size()) + "; give more samples (-n)");
  return all;
}

}  // namespace gantry::eval
