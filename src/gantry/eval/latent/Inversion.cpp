#include "gantry/eval/latent/Inversion.h"

#include "gantry/models/FrozenParameters.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

namespace {

/// Per code: mean squared error of G's image to its target, per pixel.
torch::Tensor perCodeError(const torch::Tensor& images, const torch::Tensor& targets) {
  return (images - targets).pow(2).flatten(1).mean(1);
}

}  // namespace

InversionResult invertGenerator(models::Generator& generator, const models::LatentPrior& prior,
                                const torch::Tensor& targets, const torch::Tensor& labels,
                                const InversionOptions& options) {
  if (options.starts < 1 || options.iterations < 0)
    throw std::invalid_argument("invertGenerator: at least one start and no negative step count");
  const int64_t n = targets.size(0), k = options.starts;
  const auto device = targets.device();
  auto rng = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  // Code i·k + s is start s of image i.
  auto z = prior.sample(n * k, torch::TensorOptions(), rng).to(device).requires_grad_(true);
  auto goal = targets.to(torch::kFloat32).repeat_interleave(k, 0);
  torch::Tensor classes = labels.defined() ? labels.to(device, torch::kLong).repeat_interleave(k, 0) : labels;
  models::FrozenParameters frozen(generator);  // G stays as it is
  generator.eval();
  torch::optim::RMSprop optimizer({z}, torch::optim::RMSpropOptions(options.learningRate));
  const double bound = std::sqrt(3.0);  // the uniform prior's support
  torch::Tensor startError;
  for (int64_t step = 0; step <= options.iterations; ++step) {
    auto error = perCodeError(generator.forward(z, classes), goal);
    if (step == 0) startError = error.detach();
    if (step == options.iterations) break;
    // Summed over codes: each code's gradient is its own loss's.
    auto loss = error.sum() + options.priorWeight * (0.5 * z.pow(2)).mean(1).sum();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if (prior.kind() == models::LatentPrior::Kind::Uniform) {
      torch::NoGradGuard guard;
      auto outside = z.abs() > bound;
      if (outside.any().item<bool>()) {
        auto fresh = prior.sample(n * k, torch::TensorOptions(), rng).to(device);
        z.copy_(torch::where(outside, fresh, z));
      }
    }
  }
  torch::NoGradGuard guard;
  auto images = generator.forward(z, classes);
  auto error = perCodeError(images, goal).view({n, k});
  auto best = error.argmin(1);                              // [n]
  auto rows = torch::arange(n, best.options()) * k + best;  // the best start's code
  InversionResult result;
  result.latents = z.detach().index_select(0, rows).cpu();
  result.errors = error.gather(1, best.unsqueeze(1)).squeeze(1).cpu();
  result.reconstructions = images.index_select(0, rows).cpu();
  result.startErrors = startError.view({n, k}).gather(1, best.unsqueeze(1)).squeeze(1).cpu();
  return result;
}

}  // namespace gantry::eval
