#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace gantry::models {

/// The noise distribution p(z) the generator maps from.
///   uniform: U(-sqrt(3), sqrt(3)) per coordinate (zero mean, unit variance),
///            as in the released code of Goodfellow et al. (2014);
///   normal:  N(0, 1) per coordinate.
class LatentPrior {
 public:
  enum class Kind { Uniform, Normal };

  LatentPrior(Kind kind, int64_t dim) : kind_(kind), dim_(dim) {}
  static Kind parseKind(const std::string& name);  // "uniform" | "normal"
  static const std::vector<std::string>& kindNames();

  /// n codes [n, dim] drawn with `generator` (default CPU generator if none).
  torch::Tensor sample(int64_t n, const torch::TensorOptions& options = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const;

  Kind kind() const { return kind_; }
  int64_t dim() const { return dim_; }

 private:
  Kind kind_;
  int64_t dim_;
};

}  // namespace gantry::models
