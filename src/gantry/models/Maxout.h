#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace gantry::models {

/// Maxout layer (Goodfellow et al. 2013): `units` outputs, each the maximum of
/// `pieces` affine functions of the input, h_i = max_j (W_ij x + b_ij).
/// Stored as one Linear(in, units * pieces) whose outputs are grouped per unit
/// (unit i owns outputs i*pieces .. i*pieces + pieces - 1).
class MaxoutImpl : public torch::nn::Cloneable<MaxoutImpl> {
 public:
  MaxoutImpl(int64_t inFeatures, int64_t units, int64_t pieces);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  /// The maxout of the Linear's outputs y [N, units * pieces] -> [N, units].
  torch::Tensor activate(const torch::Tensor& y) const;

  int64_t units() const { return units_; }
  int64_t pieces() const { return pieces_; }
  torch::nn::Linear linear{nullptr};

 private:
  int64_t inFeatures_;
  int64_t units_;
  int64_t pieces_;
};
TORCH_MODULE(Maxout);

}  // namespace gantry::models
