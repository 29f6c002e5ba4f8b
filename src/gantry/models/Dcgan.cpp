#include "gantry/models/Dcgan.h"

#include "gantry/core/Error.h"
#include "gantry/models/Activation.h"
#include "gantry/models/Conditioning.h"
#include "gantry/models/SpectralNorm.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::models {

DcganShape dcganShape(const std::vector<int64_t>& sampleShape) {
  auto refuse = [&] {
    return UserError(fmt::format(
        "config key 'model' = dcgan needs square images (channels x side x side) whose side halves at least once "
        "to 4 or more, such as 28, 32 or 64; the data's samples are [{}]: choose an image dataset or image_size",
        fmt::join(sampleShape, ", ")));
  };
  if (sampleShape.size() != 3 || sampleShape[1] != sampleShape[2]) throw refuse();
  DcganShape shape;
  shape.channels = sampleShape[0];
  shape.side = sampleShape[1];
  shape.base = shape.side;
  shape.upsamplings = 0;
  while (shape.base % 2 == 0 && shape.base / 2 >= 4) {
    shape.base /= 2;
    ++shape.upsamplings;
  }
  if (shape.upsamplings == 0) throw refuse();
  return shape;
}

namespace {

/// A 4×4, stride-2, padding-1 convolution (or its transpose): halves (or
/// doubles) the side.
torch::nn::Conv2d down(int64_t in, int64_t out, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
}
torch::nn::ConvTranspose2d up(int64_t in, int64_t out, bool bias) {
  return torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
}

/// The paper's initialisation: every weight N(0, 0.02²) except batch norm's
/// scales, N(1, 0.02²); biases 0.
void initDcgan(torch::nn::Module& module) {
  torch::NoGradGuard guard;
  for (auto& m : module.modules(/*include_self=*/false)) {
    const bool norm = m->as<torch::nn::BatchNorm2dImpl>() != nullptr;
    for (auto& p : m->named_parameters(/*recurse=*/false)) {
      if (p.key() == "bias")
        p.value().zero_();
      else
        p.value().normal_(norm ? 1.0 : 0.0, 0.02);
    }
  }
}

/// Channels at the base resolution: w doubled at each of the k − 1 coarser
/// levels.
int64_t deepest(const DcganOptions& o) { return o.width << (o.shape.upsamplings - 1); }

/// Multiply-adds of a 4×4, stride-2 convolution (or its transpose) between
/// `in` and `out` channels whose coarser side is `coarseSide`, for a batch.
int64_t convProduct(int64_t in, int64_t out, int64_t coarseSide, int64_t batch) {
  return batch * coarseSide * coarseSide * in * 16 * out;
}

/// The largest of the k convolutions between the image and the base side,
/// for a batch. G's and D's are the same maps run in opposite directions
/// (image channels at side S, w at S/2, ..., w·2^(k−1) at b), so one walk
/// from the image serves both.
int64_t largestConvolutionOf(const DcganOptions& o, int64_t batch) {
  int64_t largest = 0, in = o.shape.channels, out = o.width, side = o.shape.side / 2;
  for (int64_t level = 1; level <= o.shape.upsamplings; ++level, side /= 2) {
    largest = std::max(largest, convProduct(in, out, side, batch));
    in = out;
    out *= 2;
  }
  return largest;
}

/// Outputs of the k convolutions' maps for one sample, image side first
/// (image channels at S is G's last; w at S/2, ..., w·2^(k−1) at b), the
/// maps that batch norm follows (not the image's, not D's first) counted
/// twice: batch norm keeps its input, the activation after it its output.
int64_t mapActivationsOf(const DcganOptions& o, bool generator) {
  int64_t total = 0, channels = o.width, side = o.shape.side / 2;
  for (int64_t level = 1; level <= o.shape.upsamplings; ++level, side /= 2, channels *= 2) {
    const bool normed = o.norm == DcganNorm::Batch && (generator || level > 1);
    total += channels * side * side * (normed ? 2 : 1);
  }
  return total;
}

}  // namespace

DcganGenerator::DcganGenerator(DcganOptions options) : options_(std::move(options)) {
  TORCH_CHECK(options_.norm != DcganNorm::Spectral, "the DCGAN generator takes batch norm or none");
  const auto& s = options_.shape;
  const bool batchNorm = options_.norm == DcganNorm::Batch;
  int64_t channels = deepest(options_);
  project_ = register_module(
      "project",
      torch::nn::Linear(torch::nn::LinearOptions(options_.latentDim, channels * s.base * s.base).bias(!batchNorm)));
  body_ = register_module("body", torch::nn::Sequential());
  if (batchNorm) body_->push_back(torch::nn::BatchNorm2d(channels));
  body_->push_back(torch::nn::ReLU());
  for (int64_t level = 1; level < s.upsamplings; ++level) {
    body_->push_back(up(channels, channels / 2, !batchNorm));
    channels /= 2;
    if (batchNorm) body_->push_back(torch::nn::BatchNorm2d(channels));
    body_->push_back(torch::nn::ReLU());
  }
  body_->push_back(up(channels, s.channels, /*bias=*/true));
  initDcgan(*this);
}

torch::Tensor DcganGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  const auto& s = options_.shape;
  auto h = project_->forward(z).view({z.size(0), deepest(options_), s.base, s.base});
  auto x = body_->forward(h);
  return options_.output == "tanh" ? torch::tanh(x) : torch::sigmoid(x);
}

int64_t DcganGenerator::largestProduct(int64_t batch) const {
  const auto& s = options_.shape;
  return batch * options_.latentDim * deepest(options_) * s.base * s.base;
}

int64_t DcganGenerator::largestConvolution(int64_t batch) const { return largestConvolutionOf(options_, batch); }

int64_t DcganGenerator::activationsPerSample() const {
  const auto& s = options_.shape;
  return mapActivationsOf(options_, /*generator=*/true) + s.channels * s.side * s.side;  // and the image
}

DcganDiscriminator::DcganDiscriminator(DcganOptions options) : options_(std::move(options)) {
  const auto& s = options_.shape;
  body_ = register_module("body", torch::nn::Sequential());
  auto leaky = [] { return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(kLeakyReluSlope)); };
  const bool spectral = options_.norm == DcganNorm::Spectral;
  const bool batchNorm = options_.norm == DcganNorm::Batch;
  auto conv = [&](int64_t in, int64_t out, bool bias) {
    if (spectral)
      body_->push_back(SpectralNormalized(in, out, 4, 2, 1, bias));
    else
      body_->push_back(down(in, out, bias));
  };
  int64_t channels = options_.width;
  conv(s.channels, channels, /*bias=*/true);
  body_->push_back(leaky());
  for (int64_t level = 1; level < s.upsamplings; ++level) {
    conv(channels, channels * 2, !batchNorm);
    channels *= 2;
    if (batchNorm) body_->push_back(torch::nn::BatchNorm2d(channels));
    body_->push_back(leaky());
  }
  const int64_t features = channels * s.base * s.base;
  const int64_t inputs = features + BatchFeatures::widthFor(options_.stabilisers);
  if (spectral)
    output_ = torch::nn::AnyModule(register_module("output", SpectralNormalized(inputs, 1, 0, 1, 0, /*bias=*/true)));
  else
    output_ = torch::nn::AnyModule(register_module("output", torch::nn::Linear(inputs, 1)));
  initDcgan(*this);
  if (BatchFeatures::any(options_.stabilisers))
    batchFeatures_ = register_module("batch_features", std::make_shared<BatchFeatures>(options_.stabilisers, features));
}

DiscriminatorOutput DcganDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  DiscriminatorOutput out;
  out.features = body_->forward(x).flatten(1);
  auto input = batchFeatures_ ? torch::cat({out.features, batchFeatures_->forward(out.features)}, 1) : out.features;
  out.logits = output_.forward(input).squeeze(1);
  return out;
}

int64_t DcganDiscriminator::largestProduct(int64_t batch) const {
  const auto& s = options_.shape;
  return batch * deepest(options_) * s.base * s.base;
}

int64_t DcganDiscriminator::largestConvolution(int64_t batch) const { return largestConvolutionOf(options_, batch); }

int64_t DcganDiscriminator::activationsPerSample() const {
  return mapActivationsOf(options_, /*generator=*/false) + BatchFeatures::widthFor(options_.stabilisers) + 1;
}

int64_t DcganDiscriminator::featureWidth() const {
  const auto& s = options_.shape;
  return deepest(options_) * s.base * s.base;
}

const Section<DcganSettings>& dcganSection() {
  static const auto section =
      Section<DcganSettings>("dcgan")
          .integer("dcgan_g_width", &DcganSettings::dcgan_g_width,
                   "model = dcgan: channels of G's last hidden layer, doubled at each coarser one", Range::atLeast(1))
          .integer("dcgan_d_width", &DcganSettings::dcgan_d_width,
                   "model = dcgan: channels of D's first layer, doubled at each coarser one", Range::atLeast(1))
          .text("dcgan_output", &DcganSettings::dcgan_output,
                "model = dcgan: G's output, sigmoid for pixels in [0, 1] (gantry's image datasets, which training "
                "with tanh refuses: it gives [-1, 1]) or tanh (runs saved with it still load)",
                {"sigmoid", "tanh"})
          .text("dcgan_d_norm", &DcganSettings::dcgan_d_norm,
                "model = dcgan: batch norm in D's inner layers (the paper's), none (gradient penalties are "
                "defined per sample, which batch norm is not: Gulrajani et al. 2017, section 4), or spectral: every "
                "layer of D divided by its largest singular value, one power iteration a pass (Miyato et al. 2018), "
                "the projection's class embedding and AC-GAN's class head included",
                {"batch", "none", "spectral"});
  return section;
}

namespace {

DcganOptions optionsFor(const DcganSettings& s, const ModelContext& context, int64_t width, DcganNorm norm) {
  DcganOptions options;
  options.shape = dcganShape(context.sampleShape);
  options.latentDim = context.latentDim + generatorInputExtra(context);
  options.width = width;
  options.norm = norm;
  options.output = s.dcgan_output;
  options.stabilisers = context.stabilisers;
  return options;
}

}  // namespace

ModelFamilyEntry dcganFamily() {
  ModelFamilyEntry entry;
  entry.name = "dcgan";
  entry.summary = "convolutional players for square images: transposed convolutions up, strided convolutions down";
  entry.citation = "Radford, Metz & Chintala 2016, Unsupervised Representation Learning with DCGANs";
  entry.keys = dcganSection().keys();
  // Concatenation needs a D that reads flat vectors; the others wrap D's features.
  entry.conditioning = {"projection", "acgan"};
  entry.generator = [](const Config& config, const ModelContext& context) -> std::shared_ptr<Generator> {
    const auto s = dcganSection().read(config);
    refuseTanhOutputOnImages("dcgan_output", s.dcgan_output, context);
    return conditionGenerator(
        std::make_shared<DcganGenerator>(optionsFor(s, context, s.dcgan_g_width, DcganNorm::Batch)), context);
  };
  entry.discriminator = [](const Config& config, const ModelContext& context) -> std::shared_ptr<Discriminator> {
    const auto s = dcganSection().read(config);
    const auto norm = s.dcgan_d_norm == "batch"      ? DcganNorm::Batch
                      : s.dcgan_d_norm == "spectral" ? DcganNorm::Spectral
                                                     : DcganNorm::None;
    return conditionDiscriminator(std::make_shared<DcganDiscriminator>(optionsFor(s, context, s.dcgan_d_width, norm)),
                                  context);
  };
  return entry;
}

}  // namespace gantry::models
