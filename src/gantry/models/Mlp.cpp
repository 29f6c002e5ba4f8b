#include "gantry/models/Mlp.h"

#include "gantry/models/DropoutNoise.h"
#include "gantry/models/PairedLinear.h"
#include "gantry/models/PairedMlp.h"

#include <ATen/autocast_mode.h>
#include <c10/util/accumulate.h>
#include <torch/torch.h>

#include <tuple>

namespace gantry::models {

namespace {

/// Zero biases, and each weight set by `init` in parameter order; batch
/// norm's scales and shifts keep their 1 and 0.
template <typename Init>
void initWeights(torch::nn::Module& module, Init init) {
  torch::NoGradGuard guard;
  for (auto& p : module.named_parameters()) {
    if (p.key().rfind("norms.", 0) == 0) continue;
    if (p.key().find("bias") != std::string::npos)
      p.value().zero_();
    else
      init(p.value());
  }
}

/// Weights uniform in [-range, range] and zero biases (the 2014 code); 0 = keep.
void initUniform(torch::nn::Module& module, double range) {
  if (range > 0.0) initWeights(module, [range](torch::Tensor& w) { w.uniform_(-range, range); });
}

/// Weights N(0, std²) and zero biases (DCGAN's and PacGAN's 0.02); 0 = keep.
void initNormal(torch::nn::Module& module, double std) {
  if (std > 0.0) initWeights(module, [std](torch::Tensor& w) { w.normal_(0.0, std); });
}

/// Orthogonal weights scaled by `gain` (Saxe et al. 2014) and zero biases,
/// as the unrolled GAN's reference code initialises its MLPs; 0 = keep.
void initOrthogonal(torch::nn::Module& module, double gain) {
  if (gain > 0.0) initWeights(module, [gain](torch::Tensor& w) { torch::nn::init::orthogonal_(w, gain); });
}

/// Builds one hidden layer: Maxout(in, width, pieces) or Linear(in, width)
/// (without bias before a batch norm, which would cancel it).
std::shared_ptr<torch::nn::Module> hiddenLayer(Activation activation, int64_t in, int64_t width, int64_t pieces,
                                               bool bias = true) {
  if (activation == Activation::Maxout) return Maxout(in, width, pieces).ptr();
  return torch::nn::Linear(torch::nn::LinearOptions(in, width).bias(bias)).ptr();
}

/// Multiply-adds of the largest layer's product for a batch: inputs ×
/// outputs (a maxout layer computes all its pieces in one product) × batch.
int64_t largestLayerProduct(int64_t in, const std::vector<int64_t>& hidden, Activation activation, int64_t pieces,
                            int64_t out, int64_t batch) {
  const int64_t factor = activation == Activation::Maxout ? pieces : 1;
  int64_t largest = 0;
  for (int64_t width : hidden) {
    largest = std::max(largest, in * width * factor);
    in = width;
  }
  return std::max(largest, in * out) * batch;
}

/// Outputs of the hidden layers' products for one sample (a maxout layer
/// computes all its pieces), each counted once more when batch norm follows.
int64_t hiddenActivations(const std::vector<int64_t>& hidden, Activation activation, int64_t pieces, bool batchNorm) {
  const int64_t factor = (activation == Activation::Maxout ? pieces : 1) + (batchNorm ? 1 : 0);
  int64_t total = 0;
  for (int64_t width : hidden) total += width * factor;
  return total;
}

/// The Linear layers of an MLP's modules, in registration order.
void collectLinearSlots(torch::nn::Module& module, std::vector<torch::Tensor*>& slots) {
  if (auto* linear = module.as<torch::nn::LinearImpl>()) {
    slots.push_back(&linear->weight);
    slots.push_back(&linear->bias);
    return;
  }
  for (const auto& child : module.children()) collectLinearSlots(*child, slots);
}

torch::Tensor hiddenForward(const std::shared_ptr<torch::nn::Module>& layer, Activation activation,
                            const torch::Tensor& x) {
  if (activation == Activation::Maxout) return layer->as<MaxoutImpl>()->forward(x);
  return applyActivation(activation, layer->as<torch::nn::LinearImpl>()->forward(x));
}

}  // namespace

MlpGenerator::MlpGenerator(MlpGeneratorOptions options) : options_(std::move(options)) {
  const bool norm = options_.batch_norm();
  if (norm && options_.activation() == Activation::Maxout)
    throw std::invalid_argument("MlpGenerator: batch norm goes before a pointwise activation, not maxout");
  hidden_ = register_module("hidden", torch::nn::ModuleList());
  int64_t in = options_.latent_dim();
  for (int64_t width : options_.hidden()) {
    hidden_->push_back(hiddenLayer(options_.activation(), in, width, options_.maxout_pieces(), /*bias=*/!norm));
    in = width;
  }
  output_ = register_module("output", torch::nn::Linear(in, c10::multiply_integers(options_.output_shape())));
  if (norm) {
    // Registered last: without batch norm, the parameters and their order are as before.
    norms_ = register_module("norms", torch::nn::ModuleList());
    for (int64_t width : options_.hidden()) norms_->push_back(torch::nn::BatchNorm1d(width));
  }
  initUniform(*this, options_.init_range());
  initOrthogonal(*this, options_.orthogonal_gain());
  initNormal(*this, options_.init_std());
}

torch::Tensor MlpGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  // overlappedLinear is an autograd Function, which autocast does not cast
  // for: under autocast the layers run as LibTorch's own Linear.
  const bool autocast = at::autocast::is_cpu_enabled() || at::autocast::is_enabled();
  auto linear = [&](torch::nn::LinearImpl& layer, const torch::Tensor& x) {
    return autocast ? layer.forward(x) : overlappedLinear(x, layer.weight, layer.bias, execution_.overlap);
  };
  auto h = z;
  for (size_t i = 0; i < hidden_->size(); ++i) {
    const auto& layer = hidden_[i];
    if (options_.activation() == Activation::Maxout) {
      h = layer->as<MaxoutImpl>()->forward(h);
    } else if (norms_) {
      auto product = layer->as<torch::nn::LinearImpl>()->forward(h);  // no bias
      h = applyActivation(options_.activation(), norms_[i]->as<torch::nn::BatchNorm1dImpl>()->forward(product));
    } else {
      h = applyActivation(options_.activation(), linear(*layer->as<torch::nn::LinearImpl>(), h));
    }
  }
  auto out = applyActivation(options_.output_activation(), linear(*output_, h));
  std::vector<int64_t> shape{z.size(0)};
  shape.insert(shape.end(), options_.output_shape().begin(), options_.output_shape().end());
  return out.view(shape);
}

int64_t MlpGenerator::largestProduct(int64_t batch) const {
  return largestLayerProduct(options_.latent_dim(), options_.hidden(), options_.activation(), options_.maxout_pieces(),
                             c10::multiply_integers(options_.output_shape()), batch);
}

int64_t MlpGenerator::activationsPerSample() const {
  return hiddenActivations(options_.hidden(), options_.activation(), options_.maxout_pieces(), options_.batch_norm()) +
         c10::multiply_integers(options_.output_shape());
}

void MlpGenerator::setOutputBias(const torch::Tensor& bias) {
  torch::NoGradGuard guard;
  output_->bias.copy_(bias.reshape({-1}).to(output_->bias.options()));
}

MlpDiscriminator::MlpDiscriminator(MlpDiscriminatorOptions options) : options_(std::move(options)) {
  hidden_ = register_module("hidden", torch::nn::ModuleList());
  int64_t in = c10::multiply_integers(options_.input_shape());
  for (int64_t width : options_.hidden()) {
    hidden_->push_back(hiddenLayer(options_.activation(), in, width, options_.maxout_pieces()));
    in = width;
  }
  output_ = register_module("output", torch::nn::Linear(in + BatchFeatures::widthFor(options_.stabilisers()), 1));
  initUniform(*this, options_.init_range());
  initOrthogonal(*this, options_.orthogonal_gain());
  initNormal(*this, options_.init_std());
  if (BatchFeatures::any(options_.stabilisers()))
    batchFeatures_ = register_module("batch_features", std::make_shared<BatchFeatures>(options_.stabilisers(), in));
}

DiscriminatorOutput MlpDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  auto h = x.reshape({x.size(0), -1});
  double keep = options_.input_keep();
  for (const auto& layer : *hidden_) {
    if (keep < 1.0) h = torch::dropout(h, 1.0 - keep, is_training());
    h = hiddenForward(layer, options_.activation(), h);
    keep = options_.hidden_keep();
  }
  auto features = h;
  if (keep < 1.0) h = torch::dropout(h, 1.0 - keep, is_training());
  if (batchFeatures_) h = torch::cat({h, batchFeatures_->forward(features)}, 1);
  return {output_(h).squeeze(1), {}, features};
}

std::vector<torch::Tensor*> MlpDiscriminator::parameterSlots() {
  std::vector<torch::Tensor*> slots;
  collectLinearSlots(*this, slots);
  if (batchFeatures_)
    for (auto* slot : batchFeatures_->parameterSlots()) slots.push_back(slot);
  return slots;
}

int64_t MlpDiscriminator::largestProduct(int64_t batch) const {
  return largestLayerProduct(c10::multiply_integers(options_.input_shape()), options_.hidden(), options_.activation(),
                             options_.maxout_pieces(), 1, batch);
}

int64_t MlpDiscriminator::activationsPerSample() const {
  // Dropout keeps its multipliers, one per input of the layer it drops.
  const int64_t input = c10::multiply_integers(options_.input_shape());
  int64_t dropped = options_.input_keep() < 1.0 ? input : 0;
  if (options_.hidden_keep() < 1.0)
    for (int64_t width : options_.hidden()) dropped += width;
  return hiddenActivations(options_.hidden(), options_.activation(), options_.maxout_pieces(), false) + dropped +
         BatchFeatures::widthFor(options_.stabilisers()) + 1;
}

int64_t MlpDiscriminator::featureWidth() const {
  // The last hidden layer's units (maxout: after taking the maximum), or the
  // flat input when there is none.
  const auto& hidden = options_.hidden();
  return hidden.empty() ? c10::multiply_integers(options_.input_shape()) : hidden.back();
}

std::vector<torch::Tensor> MlpDiscriminator::dropoutNoise(int64_t n, const torch::TensorOptions& options) const {
  std::vector<torch::Tensor> noise;
  int64_t in = c10::multiply_integers(options_.input_shape());
  double keep = options_.input_keep();
  auto draw = [&] {
    // ATen's dropout for p = 1 - keep: bernoulli_(1 - p), then div_(1 - p).
    const double p = 1.0 - keep;
    noise.push_back(keep < 1.0 && is_training() ? dropoutMultipliers({n, in}, 1 - p, options) : torch::Tensor());
  };
  for (int64_t width : options_.hidden()) {
    draw();
    in = width;
    keep = options_.hidden_keep();
  }
  draw();
  return noise;
}

std::pair<DiscriminatorOutput, DiscriminatorOutput> MlpDiscriminator::forwardPair(const data::Batch& real,
                                                                                  const data::Batch& fake) {
  // Under autocast the layers run in reduced precision and the pairing would
  // mix dtypes; the two plain passes are then just as good.
  if (at::autocast::is_cpu_enabled() || at::autocast::is_enabled()) return Discriminator::forwardPair(real, fake);
  auto r = real.samples.reshape({real.samples.size(0), -1});
  auto f = fake.samples.reshape({fake.samples.size(0), -1});
  const auto realNoise = dropoutNoise(r.size(0), r.options());
  const auto fakeNoise = dropoutNoise(f.size(0), f.options());
  const bool overlap = execution_.overlap;
  if (overlap && !execution_.twiceDifferentiable && options_.activation() != Activation::Maxout) {
    // A second core is free: each batch's whole chain on its own thread.
    MlpLayers layers;
    layers.activation = options_.activation();
    for (const auto& module : *hidden_) {
      const auto& linear = *module->as<torch::nn::LinearImpl>();
      layers.weights.push_back(linear.weight);
      layers.biases.push_back(linear.bias);
    }
    layers.weights.push_back(output_->weight);
    layers.biases.push_back(output_->bias);
    std::tie(r, f) = pairedMlp(r, f, layers, realNoise, fakeNoise, overlap);
    // pairedMlp fuses the chain into one autograd node: no features out.
    return {{r.squeeze(1), {}, {}}, {f.squeeze(1), {}, {}}};
  }
  auto layer = [&](size_t i, const torch::nn::LinearImpl& linear) {
    if (realNoise[i].defined()) r = r * realNoise[i];
    if (fakeNoise[i].defined()) f = f * fakeNoise[i];
    std::tie(r, f) = pairedLinear(r, f, linear.weight, linear.bias, overlap);
  };
  size_t i = 0;
  for (const auto& module : *hidden_) {
    if (options_.activation() == Activation::Maxout) {
      auto* maxout = module->as<MaxoutImpl>();
      layer(i++, *maxout->linear);
      r = maxout->activate(r);
      f = maxout->activate(f);
    } else {
      layer(i++, *module->as<torch::nn::LinearImpl>());
      r = applyActivation(options_.activation(), r);
      f = applyActivation(options_.activation(), f);
    }
  }
  auto realFeatures = r, fakeFeatures = f;
  layer(i, *output_);
  return {{r.squeeze(1), {}, realFeatures}, {f.squeeze(1), {}, fakeFeatures}};
}

}  // namespace gantry::models
