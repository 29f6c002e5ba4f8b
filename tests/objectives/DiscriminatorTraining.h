#pragma once

#include "gantry/models/Mlp.h"
#include "gantry/objectives/Objective.h"

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>

namespace gantry::test {

using Sampler = std::function<torch::Tensor(int64_t n)>;

/// Trains a 1-d MLP discriminator (64-64, leaky ReLU) alone on `objective`
/// between samplers of P (data) and Q (generated), 1,024 fresh samples of
/// each per step, with Adam at a rate decaying from 2e-3 to 4e-5 so that D
/// settles instead of tracking minibatch noise. `onStep(i, d)` is called
/// after every step. Returns D in eval mode.
inline std::shared_ptr<models::MlpDiscriminator> trainDiscriminator(
    const objectives::Objective& objective, const Sampler& data, const Sampler& generated, int64_t steps,
    const std::function<void(int64_t, models::MlpDiscriminator&)>& onStep = {}) {
  using namespace gantry::models;
  auto d = std::make_shared<MlpDiscriminator>(
      MlpDiscriminatorOptions({1}).hidden({64, 64}).activation(Activation::LeakyReLU));
  torch::optim::Adam opt(d->parameters(), torch::optim::AdamOptions(2e-3));
  for (int64_t i = 0; i < steps; ++i) {
    static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options())
        .lr(2e-3 * std::pow(0.02, double(i) / double(steps)));
    auto loss = objective.discriminatorLoss(d->forward(data(1024)).logits, d->forward(generated(1024)).logits);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (onStep) onStep(i + 1, *d);
  }
  d->eval();
  return d;
}

}  // namespace gantry::test
