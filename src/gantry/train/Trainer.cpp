#include "gantry/train/Trainer.h"

#include "gantry/core/Overlap.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <stdexcept>
#include <tuple>

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

void Trainer::clearGradients(torch::optim::Optimizer& optimizer, const FlatParameters* flat) {
  if (flat) {
    optimizer.zero_grad();  // the flat gradient, whose views autograd adds into
    return;
  }
  // Undefined gradients: autograd then hands over the buffers it computed
  // instead of adding them into zeroed ones, a pass over every gradient less.
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

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
  if (FlatParameters::pays(*generator_)) gFlat_ = std::make_unique<FlatParameters>(*generator_);
  if (FlatParameters::pays(*discriminator_)) dFlat_ = std::make_unique<FlatParameters>(*discriminator_);
  gOptimizer_ =
      options_.g_optimizer.make(gFlat_ ? std::vector<torch::Tensor>{gFlat_->values()} : generator_->parameters());
  dOptimizer_ =
      options_.d_optimizer.make(dFlat_ ? std::vector<torch::Tensor>{dFlat_->values()} : discriminator_->parameters());
}

void Trainer::recordDiscriminator(StepStats& stats, const DiscriminatorPass& pass) const {
  torch::NoGradGuard guard;
  auto realLogits = pass.realLogits.detach();
  auto fakeLogits = pass.fakeLogits.detach();
  stats.d_loss = pass.loss.detach();
  if (pass.penalty.defined()) stats.penalty = pass.penalty.detach();
  stats.d_real = torch::sigmoid(realLogits).mean();
  stats.d_fake = torch::sigmoid(fakeLogits).mean();
  stats.value = objective_->value(realLogits, fakeLogits);
}

Trainer::DiscriminatorPass Trainer::discriminatorPass(const torch::Tensor& real, const torch::Tensor& fake) {
  const auto& noise = options_.instance_noise;
  auto realInput = noise.apply(real, steps_);
  auto fakeInput = noise.apply(fake, steps_);
  DiscriminatorPass pass;
  // Two passes (a model may share work between them, see forwardPair), not
  // one over the concatenated halves: a single pass sums D's weight gradients
  // in another order, and the toy games are chaotic enough that this rounding
  // changes where ring8 ends up (seed 1: 83% instead of 96% high quality).
  // With a penalty, D's weight gradient has a third term from the penalty's
  // own D pass, and a shared pass would change the order autograd adds the
  // three in: there the plain passes keep every run's arithmetic as it was.
  std::tie(pass.realLogits, pass.fakeLogits) = options_.penalties.empty()
                                                   ? discriminator_->forwardPair(realInput, fakeInput)
                                                   : discriminator_->Discriminator::forwardPair(realInput, fakeInput);
  pass.realLogits = pass.realLogits.to(torch::kFloat32);
  pass.fakeLogits = pass.fakeLogits.to(torch::kFloat32);
  pass.loss = objective_->discriminatorLoss(pass.realLogits, pass.fakeLogits);
  for (const auto& [penalty, weight] : options_.penalties) {
    // A penalty is D's alone: no gradient of it reaches G.
    auto term = weight * penalty->compute(*discriminator_, realInput.detach(), fakeInput.detach());
    pass.penalty = pass.penalty.defined() ? pass.penalty + term : term;
  }
  if (pass.penalty.defined()) pass.loss = pass.loss + pass.penalty;
  return pass;
}

void Trainer::updateDiscriminator() {
  dOptimizer_->step();
  objective_->constrainDiscriminator(*discriminator_);
}

void Trainer::besidePendingUpdate(const std::function<void()>& work) {
  auto pending = std::move(pendingUpdate_);
  pendingUpdate_ = nullptr;
  if (pending)
    overlapped(pending, work);
  else
    work();
}

void Trainer::discriminatorStep(StepStats& stats) {
  // The schedule sees the epoch count before this batch is drawn.
  const int64_t epochs = completedEpochs();
  auto real = data_->next();
  torch::Tensor fake;
  // G's forward pass does not read D: the previous D update runs beside it.
  besidePendingUpdate([&] {
    torch::NoGradGuard guard;
    AutocastScope autocast(options_.precision, options_.device);
    fake = generator_->forward(prior_.sample(options_.batch_size, torch::TensorOptions(options_.device)));
  });
  options_.d_optimizer.apply(*dOptimizer_, steps_, epochs);
  DiscriminatorPass pass;
  {
    AutocastScope autocast(options_.precision, options_.device);
    pass = discriminatorPass(real, fake);
  }
  clearGradients(*dOptimizer_, dFlat_.get());
  pass.loss.backward();
  // The update (and the statistics, which need only the logits) waits for
  // the next G forward pass, to run beside it.
  pendingUpdate_ = [this, pass, &stats] {
    updateDiscriminator();
    recordDiscriminator(stats, pass);
  };
}

void Trainer::generatorStep(StepStats& stats) {
  options_.g_optimizer.apply(*gOptimizer_, steps_, completedEpochs());
  auto z = prior_.sample(options_.batch_size, torch::TensorOptions(options_.device));
  torch::Tensor generated;
  besidePendingUpdate([&] {
    AutocastScope autocast(options_.precision, options_.device);
    generated = generator_->forward(z);
  });
  FrozenParameters frozen(*discriminator_);
  torch::Tensor gLoss;
  {
    AutocastScope autocast(options_.precision, options_.device);
    auto fake = options_.instance_noise.apply(generated, steps_);
    gLoss = objective_->generatorLoss(discriminator_->forward(fake).to(torch::kFloat32));
  }
  clearGradients(*gOptimizer_, gFlat_.get());
  gLoss.backward();
  gOptimizer_->step();
  stats.g_loss = gLoss.detach();
}

void Trainer::simultaneousStep(StepStats& stats) {
  besidePendingUpdate([] {});  // before the schedule changes D's rate
  options_.d_optimizer.apply(*dOptimizer_, steps_, completedEpochs());
  options_.g_optimizer.apply(*gOptimizer_, steps_, completedEpochs());
  auto real = data_->next();
  DiscriminatorPass pass;
  torch::Tensor gLoss;
  {
    AutocastScope autocast(options_.precision, options_.device);
    auto fake = generator_->forward(prior_.sample(options_.batch_size, torch::TensorOptions(options_.device)));
    pass = discriminatorPass(real, fake);
    gLoss = objective_->generatorLoss(pass.fakeLogits);
  }
  // Both gradients from the same forward pass, before either player moves:
  // each loss reaches only its own player's parameters.
  clearGradients(*dOptimizer_, dFlat_.get());
  clearGradients(*gOptimizer_, gFlat_.get());
  torch::autograd::backward({pass.loss}, {}, /*retain_graph=*/true, /*create_graph=*/false,
                            discriminator_->parameters());
  torch::autograd::backward({gLoss}, {}, /*retain_graph=*/false, /*create_graph=*/false, generator_->parameters());
  updateDiscriminator();
  gOptimizer_->step();
  recordDiscriminator(stats, pass);
  stats.g_loss = gLoss.detach();
}

StepStats Trainer::step() {
  StepStats stats;
  // The pending update refers to `stats`: none may outlive this call, even
  // when a step throws.
  struct ClearPending {
    std::function<void()>& update;
    ~ClearPending() { update = nullptr; }
  } clearPending{pendingUpdate_};
  const bool simultaneous = options_.update == UpdateMode::Simultaneous;
  const int64_t alternatingSteps = simultaneous ? options_.d_steps - 1 : options_.d_steps;
  for (int64_t i = 0; i < alternatingSteps; ++i) discriminatorStep(stats);
  if (simultaneous)
    simultaneousStep(stats);
  else
    generatorStep(stats);
  besidePendingUpdate([] {});  // none is left by the steps above; callbacks must see D updated
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
  archive.write("data_position", c10::IValue(data_->position()));
  archive.write("cpu_rng_state", at::detail::getDefaultCPUGenerator().get_state());
}

void Trainer::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive g, d, gOpt, dOpt;
  archive.read("generator", g);
  archive.read("discriminator", d);
  archive.read("g_optimizer", gOpt);
  archive.read("d_optimizer", dOpt);
  // Loading replaces the modules' parameter storage: put the values back into
  // the flat tensors the optimizers hold, then restore the optimizers.
  generator_->load(g);
  discriminator_->load(d);
  generator_->to(options_.device);
  discriminator_->to(options_.device);
  if (gFlat_) gFlat_->rebind();
  if (dFlat_) dFlat_->rebind();
  gOptimizer_->load(gOpt);
  dOptimizer_->load(dOpt);
  c10::IValue value;
  archive.read("steps", value);
  steps_ = value.toInt();
  archive.read("data_position", value);
  data_->seek(value.toInt());
  torch::Tensor rngState;
  archive.read("cpu_rng_state", rngState);
  auto cpuGenerator = at::detail::getDefaultCPUGenerator();
  cpuGenerator.set_state(rngState);
}

}  // namespace gantry::train
