#include "gantry/models/StackedMlp.h"

#include "gantry/models/StackedLinear.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <stdexcept>

namespace gantry::models {

namespace {

/// Registers the members' layers stacked: weightK [N, out, in] and biasK
/// [N, 1, out] for each Linear layer K, from parameters() of each member
/// (weight, bias per layer, in order).
template <typename Member>
void stackLayers(torch::nn::Module& module, const std::vector<std::shared_ptr<Member>>& members,
                 std::vector<torch::Tensor>& weights, std::vector<torch::Tensor>& biases) {
  if (members.empty()) throw std::invalid_argument("a population needs at least one member");
  const auto first = members.front()->parameters();
  torch::NoGradGuard guard;
  for (size_t k = 0; k + 1 < first.size(); k += 2) {
    std::vector<torch::Tensor> w, b;
    for (const auto& member : members) {
      const auto p = member->parameters();
      if (p.size() != first.size()) throw std::invalid_argument("population members differ in shape");
      w.push_back(p[k]);
      b.push_back(p[k + 1].unsqueeze(0));
    }
    const auto layer = std::to_string(k / 2);
    weights.push_back(module.register_parameter("weight" + layer, torch::stack(w)));
    biases.push_back(module.register_parameter("bias" + layer, torch::stack(b)));
  }
}

/// Member n as a model of its own: built like `shape` (its initial draws
/// leaving the caller's random stream as it was), then given member n's
/// slices of the stacked layers, in the stack's train/eval mode.
template <typename Model>
std::shared_ptr<Model> memberOf(const Model& shape, const std::vector<torch::Tensor>& weights,
                                const std::vector<torch::Tensor>& biases, int64_t n, int64_t members, bool training) {
  TORCH_CHECK(n >= 0 && n < members, "member ", n, " of a population of ", members);
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto state = generator.get_state();
  auto model = std::make_shared<Model>(shape.options());
  generator.set_state(state);
  torch::NoGradGuard guard;
  model->to(weights.front().device());
  auto p = model->parameters();
  for (size_t k = 0; k < weights.size(); ++k) {
    p[2 * k].copy_(weights[k][n]);
    p[2 * k + 1].copy_(biases[k][n][0]);
  }
  model->train(training);
  return model;
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool overlap) {
  // stackedLinear is an autograd Function, which autocast does not cast for:
  // under autocast the product is LibTorch's own.
  if (at::autocast::is_cpu_enabled() || at::autocast::is_enabled())
    return torch::baddbmm(bias, x, weight.transpose(1, 2));
  return stackedLinear(x, weight, bias, overlap);
}

/// The stacked layers on member-major rows x [N·B, in]: [N·B, out].
torch::Tensor run(const torch::Tensor& x, int64_t members, const std::vector<torch::Tensor>& weights,
                  const std::vector<torch::Tensor>& biases, Activation hidden, Activation output, bool overlap,
                  torch::Tensor* features = nullptr) {
  if (x.size(0) % members != 0)
    throw std::invalid_argument("a population's batch holds the same number of rows for each member");
  auto h = x.reshape({members, x.size(0) / members, -1});
  for (size_t k = 0; k + 1 < weights.size(); ++k)
    h = applyActivation(hidden, linear(h, weights[k], biases[k], overlap));
  if (features) *features = h.reshape({x.size(0), -1});
  h = applyActivation(output, linear(h, weights.back(), biases.back(), overlap));
  return h.reshape({x.size(0), -1});
}

}  // namespace

StackedMlpGenerator::StackedMlpGenerator(const std::vector<std::shared_ptr<MlpGenerator>>& members)
    : options_(members.at(0)->options()), members_(static_cast<int64_t>(members.size())), shape_(members.front()) {
  if (options_.batch_norm() || options_.activation() == Activation::Maxout)
    throw std::invalid_argument("StackedMlpGenerator: Linear layers with a pointwise activation only");
  stackLayers(*this, members, weights_, biases_);
}

torch::Tensor StackedMlpGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  auto out =
      run(z, members_, weights_, biases_, options_.activation(), options_.output_activation(), execution_.overlap);
  std::vector<int64_t> shape{z.size(0)};
  shape.insert(shape.end(), options_.output_shape().begin(), options_.output_shape().end());
  return out.view(shape);
}

std::shared_ptr<Generator> StackedMlpGenerator::member(int64_t n) const {
  return memberOf(*shape_, weights_, biases_, n, members_, is_training());
}

int64_t StackedMlpGenerator::largestProduct(int64_t batch) const { return shape_->largestProduct(batch); }

int64_t StackedMlpGenerator::activationsPerSample() const { return shape_->activationsPerSample(); }

StackedMlpDiscriminator::StackedMlpDiscriminator(const std::vector<std::shared_ptr<MlpDiscriminator>>& members)
    : options_(members.at(0)->options()), members_(static_cast<int64_t>(members.size())), shape_(members.front()) {
  if (options_.activation() == Activation::Maxout || options_.input_keep() < 1.0 || options_.hidden_keep() < 1.0 ||
      BatchFeatures::any(options_.stabilisers()))
    throw std::invalid_argument("StackedMlpDiscriminator: Linear layers with a pointwise activation only");
  stackLayers(*this, members, weights_, biases_);
}

DiscriminatorOutput StackedMlpDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  torch::Tensor features;
  auto logits = run(x.reshape({x.size(0), -1}), members_, weights_, biases_, options_.activation(),
                    Activation::Identity, execution_.overlap, &features);
  return {logits.squeeze(1), {}, features};
}

std::shared_ptr<MlpDiscriminator> StackedMlpDiscriminator::member(int64_t n) const {
  return memberOf(*shape_, weights_, biases_, n, members_, is_training());
}

int64_t StackedMlpDiscriminator::largestProduct(int64_t batch) const { return shape_->largestProduct(batch); }

int64_t StackedMlpDiscriminator::activationsPerSample() const { return shape_->activationsPerSample(); }

int64_t StackedMlpDiscriminator::featureWidth() const { return shape_->featureWidth(); }

}  // namespace gantry::models
