#pragma once

#include "gantry/models/Generator.h"
#include "gantry/models/LatentPrior.h"

#include <torch/types.h>

#include <cstdint>

namespace gantry::eval {

/// How codes are searched for (Creswell & Bharath 2018, "Inverting the
/// Generator of a Generative Adversarial Network", IEEE TNNLS: RMSprop,
/// learning rate 0.01, 5,000 steps, prior weight α = 0.01).
struct InversionOptions {
  int64_t starts = 4;          // random starts per image; the best is kept
  int64_t iterations = 5000;   // optimizer steps
  double learningRate = 0.01;  // RMSprop's
  double priorWeight = 0.01;   // α
  uint64_t seed = 0;           // of the starts (and of the clipping's redraws)
};

struct InversionResult {
  torch::Tensor latents;          // [N, d]: each image's best code
  torch::Tensor errors;           // [N]: mean squared error of G(code) to the image, per pixel
  torch::Tensor reconstructions;  // [N, sample shape...]: G(code)
  torch::Tensor startErrors;      // [N]: the best start's error before any step (what the search gained)
};

/// Codes z whose images G(z) come closest to `targets` [N, sample shape...]
/// (with `labels` [N] for a conditional G, else undefined): for each image,
/// `starts` codes drawn from the prior descend
///
///   MSE(G(z), x) − α · mean_j log N(z_j; 0, 1)  (= MSE + α·mean_j z_j²/2 + const)
///
/// with RMSprop, all codes of all images in one batch (G in eval mode, so
/// the codes do not interact); the start with the lowest final MSE is kept.
/// Under a uniform prior the Gaussian term still pulls towards 0, and a
/// coordinate that leaves the prior's support is drawn again (the stochastic
/// clipping of Lipton & Tripathi 2017). Leaves G's parameters untouched.
InversionResult invertGenerator(models::Generator& generator, const models::LatentPrior& prior,
                                const torch::Tensor& targets, const torch::Tensor& labels,
                                const InversionOptions& options);

}  // namespace gantry::eval
