#pragma once

#include "gantry/models/Model.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace gantry::models {

/// A generator G: latent codes z [N, latentDim] (and, for a conditional
/// model, class labels c [N]) -> samples [N, outputShape...].
class Generator : public Model {
 public:
  virtual torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) = 0;
  virtual int64_t latentDim() const = 0;
  /// Shape of one sample, e.g. {1, 28, 28} or {2}.
  virtual std::vector<int64_t> outputShape() const = 0;
  /// A population's member n (members() > 1) as a generator of its own,
  /// with a copy of its current weights; null for a single model.
  virtual std::shared_ptr<Generator> member(int64_t n) const { return nullptr; }
};

}  // namespace gantry::models
