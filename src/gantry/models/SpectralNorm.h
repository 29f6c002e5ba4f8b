#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace gantry::models {

/// Spectral normalisation (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral
/// Normalization for Generative Adversarial Networks", ICLR): a layer uses
/// W / σ(W), where σ(W) is W's largest singular value (W reshaped to
/// [outputs, everything else]): a linear layer becomes 1-Lipschitz; for a
/// convolution this bounds the reshaped kernel, as the paper does, not the
/// convolution's operator norm exactly.
/// σ is estimated by power iteration with a persistent vector u (the paper's
/// Algorithm 1): every forward pass in training mode does one iteration,
///
///   v ← Wᵀu / ‖Wᵀu‖,   u ← Wv / ‖Wv‖,   σ = uᵀWv,
///
/// with u and v held constant in the gradient (as the paper and PyTorch's
/// torch.nn.utils.spectral_norm do); in evaluation mode u and v stay as they
/// are. Both are buffers, so checkpoints keep them and a resume goes on
/// exactly.

/// A convolution or a linear layer whose weight is spectrally normalised:
/// the weight parameter is W itself, the layer applies W / σ.
class SpectralNormalizedImpl : public torch::nn::Module {
 public:
  /// A 2-d convolution (`kernel` > 0) with the given stride and padding, or a
  /// linear layer (`kernel` = 0).
  SpectralNormalizedImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  /// W / σ(W) with this pass's σ (advancing u in training mode).
  torch::Tensor normalizedWeight();
  /// σ = uᵀWv of the current u and v (W's largest singular value once the
  /// iteration has converged).
  double sigma();

  torch::Tensor weight, bias, u, v;

 private:
  int64_t kernel_, stride_, padding_;
};
TORCH_MODULE(SpectralNormalized);

}  // namespace gantry::models
