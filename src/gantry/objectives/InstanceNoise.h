#pragma once

#include <torch/types.h>

#include <cstdint>

namespace gantry::objectives {

/// Instance noise (Sønderby, Caballero, Theis, Shi & Huszár 2017, "Amortised
/// MAP Inference for Image Super-resolution", ICLR, §3.2; Arjovsky & Bottou
/// 2017, "Towards Principled Methods for Training GANs"): Gaussian noise
/// N(0, σ_t²) is added to every input of D, real and generated, in both
/// players' updates. The two distributions then overlap, so D cannot
/// separate them perfectly and its gradients stay informative. Annealed
/// linearly to zero so that the model is fitted to the clean data at the end:
///
///   σ_t = σ₀ · max(0, 1 − t / T)   (T = anneal_steps > 0),   σ_t = σ₀  (T = 0),
///
/// t = generator updates so far.
struct InstanceNoise {
  double std = 0.0;  // σ₀; 0 = off
  int64_t anneal_steps = 0;

  bool enabled() const { return std > 0.0; }
  double stdAt(int64_t step) const;
  /// x + σ_t·N(0, I) (x itself when σ_t = 0), drawn with the default
  /// CPU generator so that runs and resumes are reproducible.
  torch::Tensor apply(const torch::Tensor& x, int64_t step) const;
};

}  // namespace gantry::objectives
