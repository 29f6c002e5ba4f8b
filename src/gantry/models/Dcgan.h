#pragma once

#include "gantry/core/Section.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/ModelFamily.h"
#include "gantry/models/Stabilisers.h"

#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <vector>

namespace gantry::models {

/// The convolutional players of DCGAN (Radford, Metz & Chintala 2016,
/// "Unsupervised Representation Learning with Deep Convolutional Generative
/// Adversarial Networks", ICLR), for square images of side S = b·2^k with a
/// base side b ≥ 4 (28 = 7·2², 32 = 4·2³, 64 = 4·2⁴):
///
///   G: z → Linear → b×b×(w·2^(k−1)) → BN → ReLU
///        → [ConvT(4, stride 2, pad 1) halving the channels → BN → ReLU] × (k − 1)
///        → ConvT(4, stride 2, pad 1) to the image's channels → sigmoid or tanh
///   D: x → Conv(4, stride 2, pad 1) to w channels → LeakyReLU(0.2)      (no BN on the input layer)
///        → [Conv(4, stride 2, pad 1) doubling the channels → BN → LeakyReLU(0.2)] × (k − 1)
///        → flatten (D's features) → Linear → one logit
///
/// D's normalisation may instead be none, or spectral: no batch norm, every
/// convolution and the last linear layer divided by its largest singular
/// value (Miyato et al. 2018, whose "standard CNN" D is this one's kind).
///
/// Weights N(0, 0.02²), batch-norm scales N(1, 0.02²), as in the paper. The
/// projection is a linear layer, as in the paper's Figure 1 (LibTorch's C++
/// example uses a transposed convolution from 1×1, the same map).
struct DcganShape {
  int64_t channels = 1;  // of the images
  int64_t side = 28;
  int64_t base = 7;         // b
  int64_t upsamplings = 2;  // k
};

/// The shape for a sample shape {C, S, S}; UserError naming `model` when
/// the data is not square images whose side halves at least once to 4 or more.
DcganShape dcganShape(const std::vector<int64_t>& sampleShape);

/// How the inner layers are normalised (the dcgan_d_norm key; G takes
/// batch norm or none).
enum class DcganNorm {
  Batch,     ///< batch norm after every inner convolution (the paper's)
  None,      ///< none: gradient penalties are defined per sample
  Spectral,  ///< D only: every layer divided by its largest singular value (gantry/models/SpectralNorm.h)
};

struct DcganOptions {
  DcganShape shape;
  int64_t latentDim = 100;
  int64_t width = 64;  // w: the channels next to the image
  DcganNorm norm = DcganNorm::Batch;
  std::string output = "sigmoid";  // G's output: sigmoid (pixels in [0, 1]) or tanh ([-1, 1])
  /// D: batch features appended to its flattened maps before its last
  /// layer (gantry/models/Stabilisers.h).
  StabiliserSettings stabilisers;
};

class DcganGenerator : public Generator {
 public:
  explicit DcganGenerator(DcganOptions options);
  /// Unconditional: the labels are not read.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t latentDim() const override { return options_.latentDim; }
  std::vector<int64_t> outputShape() const override {
    return {options_.shape.channels, options_.shape.side, options_.shape.side};
  }
  int64_t largestProduct(int64_t batch) const override;
  int64_t largestConvolution(int64_t batch) const override;
  int64_t activationsPerSample() const override;

 private:
  DcganOptions options_;
  torch::nn::Linear project_{nullptr};
  torch::nn::Sequential body_{nullptr};
};

class DcganDiscriminator : public Discriminator {
 public:
  explicit DcganDiscriminator(DcganOptions options);
  /// Unconditional: the labels are not read.
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  int64_t largestProduct(int64_t batch) const override;
  int64_t largestConvolution(int64_t batch) const override;
  int64_t activationsPerSample() const override;
  /// The flattened base-side maps: w·2^(k−1)·b·b.
  int64_t featureWidth() const override;
  bool judgesSamplesAlone() const override { return !batchFeatures_; }
  bool spectrallyNormalised() const override { return options_.norm == DcganNorm::Spectral; }

 private:
  DcganOptions options_;
  torch::nn::Sequential body_{nullptr};
  /// The last layer, registered as "output": a plain linear layer, or its
  /// spectrally normalised form.
  torch::nn::AnyModule output_;
  std::shared_ptr<BatchFeatures> batchFeatures_;
};

/// The [dcgan] section.
struct DcganSettings {
  int64_t dcgan_g_width = 64;
  int64_t dcgan_d_width = 64;
  std::string dcgan_output = "sigmoid";
  std::string dcgan_d_norm = "batch";
};
const Section<DcganSettings>& dcganSection();

/// The family `dcgan` (image data).
ModelFamilyEntry dcganFamily();

}  // namespace gantry::models
