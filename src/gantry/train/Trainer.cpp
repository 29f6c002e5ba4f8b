#include "gantry/train/Trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <stdexcept>

namespace gantry::train {

UpdateMode parseUpdateMode(const std::string& name) {
  if (name == "alternating") return UpdateMode::Alternating;
  if (name == "simultaneous") return UpdateMode::Simultaneous;
  throw std::invalid_argument("unknown update mode '" + name + "'");
}

namespace {

/// While G steps, D's weights need no gradients: turning them off skips a
/// third of D's backward pass (the weight gradients) on every G update.
class FrozenParameters {
 public:
  explicit FrozenParameters(torch::nn::Module& module) : parameters_(module.parameters()) {
    for (auto& p : parameters_) p.requires_grad_(false);
  }
  ~FrozenParameters() {
    for (auto& p : parameters_) p.requires_grad_(true);
  }

 private:
  std::vector<torch::Tensor> parameters_;
};

}  // namespace

Trainer::Trainer(std::shared_ptr<models::Generator> generator, std::shared_ptr<models::Discriminator> discriminator,
                 std::shared_ptr<const objectives::Objective> objective, std::unique_ptr<data::BatchSource> data,
                 models::LatentPrior prior, TrainerOptions options)
    : generator_(std::move(generator)),
      discriminator_(std::move(discriminator)),
      objective_(std::move(objective)),
      data_(std::move(data)),
      prior_(prior),
      options_(std::move(options)) {
  if (options_.d_steps < 1) throw std::invalid_argument("d_steps must be at least 1");
  generator_->to(options_.device);
  discriminator_->to(options_.device);
  generator_->train();
  discriminator_->train();
  gOptimizer_ = options_.g_optimizer.make(generator_->parameters());
  dOptimizer_ = options_.d_optimizer.make(discriminator_->parameters());
}

void Trainer::recordDiscriminator(StepStats& stats, const torch::Tensor& dLoss, const torch::Tensor& realLogits,
                                  const torch::Tensor& fakeLogits) const {
  torch::NoGradGuard guard;
  stats.d_loss = dLoss.detach();
  stats.d_real = torch::sigmoid(realLogits.detach()).mean();
  stats.d_fake = torch::sigmoid(fakeLogits.detach()).mean();
  stats.value = objective_->value(realLogits.detach(), fakeLogits.detach());
}

void Trainer::discriminatorStep(StepStats& stats) {
  options_.d_optimizer.apply(*dOptimizer_, dUpdates_, completedEpochs());
  auto real = data_->next();
  torch::Tensor fake;
  {
    torch::NoGradGuard guard;
    fake = generator_->forward(prior_.sample(options_.batch_size, torch::TensorOptions(options_.device)));
  }
  auto realLogits = discriminator_->forward(real);
  auto fakeLogits = discriminator_->forward(fake);
  auto dLoss = objective_->discriminatorLoss(realLogits, fakeLogits);
  dOptimizer_->zero_grad();
  dLoss.backward();
  dOptimizer_->step();
  ++dUpdates_;
  recordDiscriminator(stats, dLoss, realLogits, fakeLogits);
}

void Trainer::generatorStep(StepStats& stats) {
  options_.g_optimizer.apply(*gOptimizer_, gUpdates_, completedEpochs());
  FrozenParameters frozen(*discriminator_);
  auto z = prior_.sample(options_.batch_size, torch::TensorOptions(options_.device));
  auto gLoss = objective_->generatorLoss(discriminator_->forward(generator_->forward(z)));
  gOptimizer_->zero_grad();
  gLoss.backward();
  gOptimizer_->step();
  ++gUpdates_;
  stats.g_loss = gLoss.detach();
}

void Trainer::simultaneousStep(StepStats& stats) {
  options_.d_optimizer.apply(*dOptimizer_, dUpdates_, completedEpochs());
  options_.g_optimizer.apply(*gOptimizer_, gUpdates_, completedEpochs());
  auto real = data_->next();
  auto fake = generator_->forward(prior_.sample(options_.batch_size, torch::TensorOptions(options_.device)));
  auto realLogits = discriminator_->forward(real);
  auto fakeLogits = discriminator_->forward(fake);
  auto dLoss = objective_->discriminatorLoss(realLogits, fakeLogits);
  auto gLoss = objective_->generatorLoss(fakeLogits);
  // Both gradients from the same forward pass, before either player moves.
  auto dParams = discriminator_->parameters();
  auto gParams = generator_->parameters();
  auto dGrads = torch::autograd::grad({dLoss}, dParams, {}, /*retain_graph=*/true);
  auto gGrads = torch::autograd::grad({gLoss}, gParams);
  for (size_t i = 0; i < dParams.size(); ++i) dParams[i].mutable_grad() = dGrads[i];
  for (size_t i = 0; i < gParams.size(); ++i) gParams[i].mutable_grad() = gGrads[i];
  dOptimizer_->step();
  gOptimizer_->step();
  ++dUpdates_;
  ++gUpdates_;
  recordDiscriminator(stats, dLoss, realLogits, fakeLogits);
  stats.g_loss = gLoss.detach();
}

StepStats Trainer::step() {
  StepStats stats;
  const bool simultaneous = options_.update == UpdateMode::Simultaneous;
  const int64_t alternatingSteps = simultaneous ? options_.d_steps - 1 : options_.d_steps;
  for (int64_t i = 0; i < alternatingSteps; ++i) discriminatorStep(stats);
  if (simultaneous)
    simultaneousStep(stats);
  else
    generatorStep(stats);
  ++steps_;
  return stats;
}

void Trainer::run(int64_t totalSteps, const std::vector<Callback*>& callbacks) {
  for (auto* c : callbacks) c->onStart(*this);
  while (steps_ < totalSteps && !stopped()) {
    auto stats = step();
    for (auto* c : callbacks) c->onStep(*this, stats);
  }
  for (auto* c : callbacks) c->onEnd(*this);
}

void Trainer::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive g, d, gOpt, dOpt;
  generator_->save(g);
  discriminator_->save(d);
  gOptimizer_->save(gOpt);
  dOptimizer_->save(dOpt);
  archive.write("generator", g);
  archive.write("discriminator", d);
  archive.write("g_optimizer", gOpt);
  archive.write("d_optimizer", dOpt);
  archive.write("steps", c10::IValue(steps_));
  archive.write("g_updates", c10::IValue(gUpdates_));
  archive.write("d_updates", c10::IValue(dUpdates_));
  archive.write("data_position", c10::IValue(data_->position()));
  archive.write("cpu_rng_state", at::detail::getDefaultCPUGenerator().get_state());
}

void Trainer::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive g, d, gOpt, dOpt;
  archive.read("generator", g);
  archive.read("discriminator", d);
  archive.read("g_optimizer", gOpt);
  archive.read("d_optimizer", dOpt);
  generator_->load(g);
  discriminator_->load(d);
  gOptimizer_->load(gOpt);
  dOptimizer_->load(dOpt);
  c10::IValue value;
  archive.read("steps", value);
  steps_ = value.toInt();
  archive.read("g_updates", value);
  gUpdates_ = value.toInt();
  archive.read("d_updates", value);
  dUpdates_ = value.toInt();
  archive.read("data_position", value);
  data_->seek(value.toInt());
  torch::Tensor rngState;
  archive.read("cpu_rng_state", rngState);
  auto cpuGenerator = at::detail::getDefaultCPUGenerator();
  cpuGenerator.set_state(rngState);
  generator_->to(options_.device);
  discriminator_->to(options_.device);
}

}  // namespace gantry::train
