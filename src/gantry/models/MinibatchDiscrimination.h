#pragma once

#include "gantry/models/Stabilisers.h"

namespace gantry::models {

/// Minibatch discrimination (Salimans et al. 2016, Improved Techniques for
/// Training GANs, section 3.2). D's features f_i ∈ R^A of the samples of one
/// batch are multiplied by a learned tensor T ∈ R^{A×B×C}, giving M_i ∈
/// R^{B×C}; for each kernel b,
///
///   c_b(i, j) = exp(−‖M_{i,b} − M_{j,b}‖₁),   o_b(i) = Σ_{j≠i} c_b(i, j),
///
/// and o(i) ∈ R^B joins f_i as input of D's last layer: a sample close to
/// many others of its batch (a collapsed G's) stands out. T starts
/// N(0, 0.05²), the scale of the authors' code.
class MinibatchDiscrimination : public BatchFeature {
 public:
  MinibatchDiscrimination(int64_t featureWidth, int64_t kernels, int64_t kernelDim);
  int64_t width() const override { return kernels_; }
  torch::Tensor forward(const torch::Tensor& features) override;
  std::vector<torch::Tensor*> parameterSlots() override { return {&tensor_}; }
  /// T as a [A, B·C] matrix (kernel b's C columns side by side).
  torch::Tensor& tensor() { return tensor_; }

 private:
  int64_t kernels_, kernelDim_;
  torch::Tensor tensor_;
};

}  // namespace gantry::models
