#include "gantry/models/PairedMlp.h"

#include "gantry/core/Overlap.h"

#include <ATen/ExpandUtils.h>
#include <torch/torch.h>

namespace gantry::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// What one batch's forward keeps for its backward.
struct ChainValues {
  std::vector<torch::Tensor> inputs;  // each layer's input, after dropout
  std::vector<torch::Tensor> hidden;  // each hidden layer's pre-activation (leaky ReLU) or activation (the others)
};

bool keepsPreActivation(Activation activation) { return activation == Activation::LeakyReLU; }

torch::Tensor chainForward(torch::Tensor h, const std::vector<torch::Tensor>& weights,
                           const std::vector<torch::Tensor>& biases, Activation activation,
                           const std::vector<torch::Tensor>& noise, ChainValues& kept) {
  const size_t layers = weights.size();
  for (size_t i = 0; i < layers; ++i) {
    if (noise[i].defined()) h = h * noise[i];
    kept.inputs.push_back(h);
    h = torch::nn::functional::linear(h, weights[i], biases[i]);
    if (i + 1 == layers) break;
    auto activated = applyActivation(activation, h);
    kept.hidden.push_back(keepsPreActivation(activation) ? h : activated);
    h = activated;
  }
  return h;
}

/// Which gradients a backward pass asks for.
struct Wanted {
  bool input = false;
  std::vector<bool> weights, biases;
};

/// One batch's backward: its input's gradient, and its terms of the
/// parameters' gradients (each from the same formula as addmm's backward).
void chainBackward(torch::Tensor g, const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases,
                   Activation activation, const std::vector<torch::Tensor>& noise, const ChainValues& kept,
                   const Wanted& wanted, torch::Tensor& inputGrad, std::vector<torch::Tensor>& weightTerms,
                   std::vector<torch::Tensor>& biasTerms) {
  if (!g.defined()) return;
  for (size_t i = weights.size(); i-- > 0;) {
    if (wanted.biases[i]) biasTerms[i] = at::sum_to(g, biases[i].sizes());
    if (wanted.weights[i]) weightTerms[i] = g.t().mm(kept.inputs[i]);
    if (i == 0 && !wanted.input) return;
    auto gradIn = g.mm(weights[i]);
    if (noise[i].defined()) gradIn = gradIn * noise[i];
    if (i == 0) {
      inputGrad = gradIn;
      return;
    }
    const auto& saved = kept.hidden[i - 1];
    g = keepsPreActivation(activation) ? activationBackward(activation, gradIn, saved, {})
                                       : activationBackward(activation, gradIn, {}, saved);
  }
}

torch::Tensor sumDefined(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}

std::vector<torch::Tensor> tensors(const c10::IValue& value) { return value.toTensorVector(); }

struct PairedMlpFunction : public torch::autograd::Function<PairedMlpFunction> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& first, const torch::Tensor& second,
                               torch::TensorList parameters, int64_t activation,
                               const std::vector<torch::Tensor>& firstNoise,
                               const std::vector<torch::Tensor>& secondNoise, bool overlap) {
    const size_t layers = parameters.size() / 2;
    std::vector<torch::Tensor> weights(parameters.begin(), parameters.begin() + layers);
    std::vector<torch::Tensor> biases(parameters.begin() + layers, parameters.end());
    const auto act = static_cast<Activation>(activation);
    ChainValues firstKept, secondKept;
    torch::Tensor firstOut, secondOut;
    overlapped(
        overlap, [&] { secondOut = chainForward(second, weights, biases, act, secondNoise, secondKept); },
        [&] { firstOut = chainForward(first, weights, biases, act, firstNoise, firstKept); });
    variable_list saved(parameters.begin(), parameters.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["activation"] = activation;
    ctx->saved_data["overlap"] = overlap;
    ctx->saved_data["first_noise"] = firstNoise;
    ctx->saved_data["second_noise"] = secondNoise;
    ctx->saved_data["first_inputs"] = firstKept.inputs;
    ctx->saved_data["first_hidden"] = firstKept.hidden;
    ctx->saved_data["second_inputs"] = secondKept.inputs;
    ctx->saved_data["second_hidden"] = secondKept.hidden;
    return {firstOut, secondOut};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // The kept hidden values were computed without a graph: a gradient of
    // this gradient would miss their dependence on the parameters.
    TORCH_CHECK(!torch::GradMode::is_enabled(),
                "pairedMlp is differentiable once only: use separate forward passes where a penalty needs "
                "second derivatives");
    const auto parameters = ctx->get_saved_variables();
    const size_t layers = parameters.size() / 2;
    std::vector<torch::Tensor> weights(parameters.begin(), parameters.begin() + layers);
    std::vector<torch::Tensor> biases(parameters.begin() + layers, parameters.end());
    const auto act = static_cast<Activation>(ctx->saved_data["activation"].toInt());
    const auto firstNoise = tensors(ctx->saved_data["first_noise"]);
    const auto secondNoise = tensors(ctx->saved_data["second_noise"]);
    const ChainValues firstKept{tensors(ctx->saved_data["first_inputs"]), tensors(ctx->saved_data["first_hidden"])};
    const ChainValues secondKept{tensors(ctx->saved_data["second_inputs"]), tensors(ctx->saved_data["second_hidden"])};
    Wanted firstWanted, secondWanted;
    firstWanted.input = ctx->needs_input_grad(0);
    secondWanted.input = ctx->needs_input_grad(1);
    for (size_t i = 0; i < layers; ++i) {
      firstWanted.weights.push_back(ctx->needs_input_grad(2 + i));
      firstWanted.biases.push_back(ctx->needs_input_grad(2 + layers + i));
    }
    secondWanted.weights = firstWanted.weights;
    secondWanted.biases = firstWanted.biases;

    torch::Tensor firstGrad, secondGrad;
    std::vector<torch::Tensor> firstWeights(layers), secondWeights(layers), firstBiases(layers), secondBiases(layers);
    overlapped(
        ctx->saved_data["overlap"].toBool(),
        [&] {
          chainBackward(grads[1], weights, biases, act, secondNoise, secondKept, secondWanted, secondGrad,
                        secondWeights, secondBiases);
        },
        [&] {
          chainBackward(grads[0], weights, biases, act, firstNoise, firstKept, firstWanted, firstGrad, firstWeights,
                        firstBiases);
        });
    // One gradient per forward argument: the two inputs, each parameter,
    // then nothing for the activation, the two noise lists and the flag.
    variable_list result{firstGrad, secondGrad};
    for (size_t i = 0; i < layers; ++i) result.push_back(sumDefined(firstWeights[i], secondWeights[i]));
    for (size_t i = 0; i < layers; ++i) result.push_back(sumDefined(firstBiases[i], secondBiases[i]));
    result.resize(result.size() + 4);
    return result;
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> pairedMlp(const torch::Tensor& first, const torch::Tensor& second,
                                                  const MlpLayers& layers, const std::vector<torch::Tensor>& firstNoise,
                                                  const std::vector<torch::Tensor>& secondNoise, bool overlap) {
  const size_t count = layers.weights.size();
  TORCH_CHECK(count > 0 && layers.biases.size() == count, "pairedMlp: one bias per weight");
  TORCH_CHECK(firstNoise.size() == count && secondNoise.size() == count, "pairedMlp: one noise entry per layer");
  TORCH_CHECK(layers.activation != Activation::Maxout, "pairedMlp: pointwise activations only");
  TORCH_CHECK(first.dim() == 2 && second.dim() == 2, "pairedMlp expects 2-D inputs");
  for (const auto& b : layers.biases) TORCH_CHECK(b.defined(), "pairedMlp: every layer has a bias");
  std::vector<torch::Tensor> parameters(layers.weights);
  parameters.insert(parameters.end(), layers.biases.begin(), layers.biases.end());
  auto outputs = PairedMlpFunction::apply(first, second, torch::TensorList(parameters),
                                          static_cast<int64_t>(layers.activation), firstNoise, secondNoise, overlap);
  return {outputs[0], outputs[1]};
}

}  // namespace gantry::models
