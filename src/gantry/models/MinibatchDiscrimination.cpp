#include "gantry/models/MinibatchDiscrimination.h"

#include <torch/torch.h>

namespace gantry::models {

MinibatchDiscrimination::MinibatchDiscrimination(int64_t featureWidth, int64_t kernels, int64_t kernelDim)
    : kernels_(kernels), kernelDim_(kernelDim) {
  tensor_ = register_parameter("tensor", torch::randn({featureWidth, kernels * kernelDim}) * 0.05);
}

torch::Tensor MinibatchDiscrimination::forward(const torch::Tensor& features) {
  const int64_t n = features.size(0);
  auto m = features.matmul(tensor_.to(features.dtype())).view({n, kernels_, kernelDim_});
  // All pairs at once, [N, N, B]: a batch of 100 with the paper's B = 100 and
  // C = 5 is 20 MB, and plain operations keep the pass twice differentiable
  // (the unrolled and consensus rules need it).
  auto distance = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(3);
  // The sum over j includes j = i, whose term is exp(0) = 1.
  return torch::exp(-distance).sum(1) - 1.0;
}

BatchFeatureEntry minibatchDiscriminationEntry() {
  BatchFeatureEntry entry;
  entry.name = "minibatch-discrimination";
  entry.summary =
      "B closeness features per sample, o_b(i) = sum over j != i of exp(-|M_i,b - M_j,b|_1), M = f T "
      "(minibatch_kernels = B, minibatch_kernel_dim = C)";
  entry.citation = "Salimans et al. 2016, Improved Techniques for Training GANs";
  entry.enabled = [](const StabiliserSettings& s) { return s.minibatch_kernels > 0; };
  entry.width = [](const StabiliserSettings& s) { return s.minibatch_kernels; };
  entry.build = [](const StabiliserSettings& s, int64_t featureWidth) -> std::shared_ptr<BatchFeature> {
    return std::make_shared<MinibatchDiscrimination>(featureWidth, s.minibatch_kernels, s.minibatch_kernel_dim);
  };
  return entry;
}

}  // namespace gantry::models
