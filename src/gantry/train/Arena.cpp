#include "gantry/train/Arena.h"

#include "gantry/core/Error.h"
#include "gantry/core/Overlap.h"
#include "gantry/models/FrozenParameters.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <stdexcept>
#include <tuple>

namespace gantry::train {

namespace {

/// Losses, and G's samples (which penalties differentiate D at and instance
/// noise is added to), are float32 at least: bfloat16 tensors (autocast)
/// are widened, exactly; float64 ones (the dynamics tools' passes) are kept
/// as they are. D's first product under autocast narrows the samples again.
torch::Tensor widened(const torch::Tensor& t) {
  const auto type = t.scalar_type();
  return type == torch::kBFloat16 || type == torch::kHalf ? t.to(torch::kFloat32) : t;
}

}  // namespace

Arena::Arena(std::shared_ptr<models::Generator> generator, std::shared_ptr<models::Discriminator> discriminator,
             objectives::Game game, std::unique_ptr<data::BatchSource> data, models::LatentPrior prior,
             ArenaOptions options)
    : generator_(std::move(generator)),
      discriminator_(std::move(discriminator)),
      game_(std::move(game)),
      data_(std::move(data)),
      prior_(prior),
      options_(std::move(options)) {
  generator_->to(options_.device);
  discriminator_->to(options_.device);
  generator_->train();
  discriminator_->train();
  generator_->setExecution(options_.execution);
  discriminator_->setExecution(options_.execution);
  g_ = std::make_unique<Player>(*generator_, options_.g_optimizer, options_.parallel.get());
  d_ = std::make_unique<Player>(*discriminator_, options_.d_optimizer, options_.parallel.get());
  g_->setMemberOptimizers(options_.g_member_optimizers);
  d_->setMemberOptimizers(options_.d_member_optimizers);
  if (game_.featureMatching.enabled && discriminator_->featureWidth() == 0)
    throw UserError(
        "config key 'feature_matching' needs D's features, which this model family's discriminator does not "
        "expose; set feature_matching = false or choose another model");
}

// The pending update refers to the arena's own members only; it must not
// outlive them.
Arena::~Arena() { pendingUpdate_ = nullptr; }

models::Discriminator& Arena::discriminator() {
  settle();
  return *discriminator_;
}

Player& Arena::player(Side side) {
  if (side == Side::Discriminator) {
    settle();
    return *d_;
  }
  return *g_;
}

torch::Tensor Arena::shard(const torch::Tensor& rows) const {
  if (!options_.parallel) return rows;
  // The whole batch is drawn on every rank, so that the random stream, the
  // data's position and so the checkpoints are the same everywhere.
  const int64_t n = rows.size(0) / options_.parallel->worldSize();
  return rows.narrow(0, options_.parallel->rank() * n, n);
}

data::Batch Arena::realBatch() {
  auto batch = data_->next();
  lastReal_ = {shard(batch.samples), shard(batch.labels)};
  return lastReal_;
}

Noise Arena::noise() {
  Noise noise;
  const torch::TensorOptions options(options_.device);
  if (options_.members) {
    // Each member's codes from its own stream, as a run of its own draws them.
    const int64_t rows = data_->batchSize() / members();
    noise.z = options_.members->rows([&](int64_t) { return prior_.sample(rows, options); });
    return noise;
  }
  noise.z = shard(prior_.sample(data_->batchSize(), options));
  if (const int64_t classes = generator_->classes(); classes > 0)
    noise.labels = shard(torch::randint(0, classes, {data_->batchSize()}, torch::kLong).to(options_.device));
  return noise;
}

void Arena::besidePendingUpdate(const std::function<void()>& work) {
  auto pending = std::move(pendingUpdate_);
  pendingUpdate_ = nullptr;
  if (pending)
    overlapped(options_.execution.overlap, pending, work);
  else
    work();
}

void Arena::settle() {
  besidePendingUpdate([] {});
}

data::Batch Arena::generate(const Noise& noise, bool withGraph) {
  data::Batch fake;
  // G's forward pass does not read D: a pending D update runs beside it.
  besidePendingUpdate([&] {
    c10::optional<torch::NoGradGuard> noGraph;
    if (!withGraph) noGraph.emplace();
    AutocastScope autocast(options_.precision, options_.device);
    fake.samples = widened(generator_->forward(noise.z, noise.labels));
  });
  fake.labels = noise.labels;
  return fake;
}

torch::Tensor Arena::withInstanceNoise(const torch::Tensor& samples) {
  const auto& noise = game_.instanceNoise;
  if (!options_.members || !noise.enabled()) return noise.apply(samples, steps_);
  const int64_t rows = samples.size(0) / members();
  return options_.members->rows([&](int64_t n) { return noise.apply(samples.narrow(0, n * rows, rows), steps_); });
}

std::pair<data::Batch, data::Batch> Arena::discriminatorInputs(const data::Batch& real, const data::Batch& fake) {
  data::Batch realInput{withInstanceNoise(real.samples), real.labels};
  data::Batch fakeInput{withInstanceNoise(fake.samples), fake.labels};
  return {realInput, fakeInput};
}

bool Arena::pairedPassIsExact() const {
  // A penalty runs D on points of its own: a third term of D's gradient,
  // which autograd adds in another order beside a paired pass's sum. (And
  // feature matching reads D's features, which a fused pass may not give.)
  return discriminator_->hasPairedPass() && game_.penalties.empty() && !game_.featureMatching.enabled;
}

DiscriminatorPass Arena::discriminate(const data::Batch& real, const data::Batch& fake) {
  AutocastScope autocast(options_.precision, options_.device);
  auto [realInput, fakeInput] = discriminatorInputs(real, fake);
  return discriminateInputs(realInput, fakeInput);
}

DiscriminatorPass Arena::discriminateInputs(const data::Batch& real, const data::Batch& fake) {
  settle();
  AutocastScope autocast(options_.precision, options_.device);
  DiscriminatorPass pass;
  pass.real = real;
  pass.fake = fake;
  // Two passes (or a model's paired pass, which gives their results), not
  // one over the concatenated halves: a single pass sums D's weight
  // gradients in another order, and the toy games are chaotic enough that
  // this rounding changes where ring8 ends up (seed 1: 83% instead of 96%
  // high quality).
  std::tie(pass.realOutput, pass.fakeOutput) = pairedPassIsExact()
                                                   ? discriminator_->forwardPair(real, fake)
                                                   : discriminator_->Discriminator::forwardPair(real, fake);
  pass.realOutput.logits = widened(pass.realOutput.logits);
  pass.fakeOutput.logits = widened(pass.fakeOutput.logits);
  pass.loss = game_.objective->discriminatorLoss(pass.realOutput.logits, pass.fakeOutput.logits);
  if (pass.realOutput.classLogits.defined()) {
    // D's class head: every sample classified as its class, real and
    // generated ones, unless told otherwise (at least one of the two). At
    // the scale of D's loss (½ of −V in the 2014 code), so that
    // class_loss_weight = 1 is the paper's L_S + L_C; it was twice that.
    const auto& terms = game_.classLoss;
    if (terms.discriminatorOnReal) pass.classLoss = terms(pass.realOutput.classLogits, real.labels);
    if (terms.discriminatorOnFake) {
      auto fakeTerm = terms(pass.fakeOutput.classLogits, fake.labels);
      pass.classLoss = pass.classLoss.defined() ? pass.classLoss + fakeTerm : fakeTerm;
    }
    pass.loss = pass.loss + game_.objective->discriminatorLossScale() * pass.classLoss;
  }
  for (const auto& [penalty, weight] : game_.penalties) {
    // A penalty is D's alone: no gradient of it reaches G.
    data::Batch r{real.samples.detach(), real.labels}, f{fake.samples.detach(), fake.labels};
    auto term = weight * penalty->compute(*discriminator_, r, f);
    pass.penalty = pass.penalty.defined() ? pass.penalty + term : term;
  }
  if (pass.penalty.defined()) pass.loss = pass.loss + pass.penalty;
  return pass;
}

torch::Tensor Arena::generatorLoss(const data::Batch& fake, const data::Batch* real, bool freezeDiscriminator) {
  settle();
  // While G's loss is taken through D for G's update alone, D's weights need
  // no gradients: turning them off skips a third of D's backward pass.
  c10::optional<models::FrozenParameters> frozen;
  if (freezeDiscriminator) frozen.emplace(*discriminator_);
  AutocastScope autocast(options_.precision, options_.device);
  auto fakeInput = withInstanceNoise(fake.samples);
  auto fakeOutput = discriminator_->forward(fakeInput, fake.labels);
  models::DiscriminatorOutput realOutput;
  if (game_.generatorReadsReal()) {
    TORCH_CHECK(real && real->samples.defined(), "this generator loss needs a real batch");
    auto realInput = withInstanceNoise(real->samples);
    realOutput = discriminator_->forward(realInput, real->labels);
  }
  return generatorLossOf(fakeOutput, fake.labels, realOutput);
}

torch::Tensor Arena::generatorLossOn(const data::Batch& fakeInput, const data::Batch* realInput) {
  settle();
  AutocastScope autocast(options_.precision, options_.device);
  auto fakeOutput = discriminator_->forward(fakeInput.samples, fakeInput.labels);
  models::DiscriminatorOutput realOutput;
  if (game_.generatorReadsReal()) {
    TORCH_CHECK(realInput && realInput->samples.defined(), "this generator loss needs a real batch");
    realOutput = discriminator_->forward(realInput->samples, realInput->labels);
  }
  return generatorLossOf(fakeOutput, fakeInput.labels, realOutput);
}

torch::Tensor Arena::generatorLoss(const DiscriminatorPass& pass) {
  AutocastScope autocast(options_.precision, options_.device);
  return generatorLossOf(pass.fakeOutput, pass.fake.labels, pass.realOutput);
}

torch::Tensor Arena::generatorLossOf(const models::DiscriminatorOutput& fakeOutput, const torch::Tensor& fakeLabels,
                                     const models::DiscriminatorOutput& realOutput) const {
  const auto& matching = game_.featureMatching;
  auto realLogits = realOutput.logits.defined() ? widened(realOutput.logits) : torch::Tensor();
  auto loss = matching.enabled ? matching(realOutput.features, fakeOutput.features)
                               : game_.objective->generatorLoss(realLogits, widened(fakeOutput.logits));
  // G wants its samples classified as the classes it was asked for; it
  // cannot move the real batch's class term.
  if (fakeOutput.classLogits.defined()) loss = loss + game_.classLoss(fakeOutput.classLogits, fakeLabels);
  return loss;
}

void Arena::beginUpdate(Side side) {
  // Only records the schedule point: D's pending update has yet to run
  // (it steps at its own point and leaves this one recorded).
  (side == Side::Generator ? *g_ : *d_).schedule(steps_, completedEpochs());
}

void Arena::backward(Side side, const torch::Tensor& loss, bool retainGraph) {
  auto& player = this->player(side);
  player.clearGradients();
  // A population's loss is the mean over all members' rows: times N, each
  // member's gradient is its own loss's (the mean's backward divides N by
  // N·B, which rounds to 1/B exactly as a run of its own computes 1/B).
  const auto scaled = options_.members ? loss * static_cast<double>(members()) : loss;
  torch::autograd::backward({scaled}, {}, retainGraph, /*create_graph=*/false, player.parameters());
}

void Arena::update(Side side) {
  auto& player = this->player(side);
  player.step();
  if (side == Side::Discriminator) game_.objective->constrainDiscriminator(*discriminator_);
}

std::vector<torch::Tensor> Arena::parameterValues(Side side) { return player(side).values(); }

void Arena::setParameterValues(Side side, const std::vector<torch::Tensor>& values) {
  player(side).setValues(values);
  if (side == Side::Discriminator) game_.objective->constrainDiscriminator(*discriminator_);
}

void Arena::recordDiscriminator(const DiscriminatorPass& pass) {
  torch::NoGradGuard guard;
  auto realLogits = pass.realOutput.logits.detach();
  auto fakeLogits = pass.fakeOutput.logits.detach();
  figures_.set("d_loss", pass.loss.detach());
  if (pass.penalty.defined()) figures_.set("penalty", pass.penalty.detach());
  if (pass.classLoss.defined()) {
    // How well D's class head tells the classes apart, on each batch.
    figures_.set("class_loss", pass.classLoss.detach());
    auto accuracy = [](const models::DiscriminatorOutput& output, const data::Batch& batch) {
      return (output.classLogits.detach().argmax(1) == batch.labels).to(torch::kFloat64).mean();
    };
    figures_.set("class_accuracy_real", accuracy(pass.realOutput, pass.real));
    figures_.set("class_accuracy_fake", accuracy(pass.fakeOutput, pass.fake));
  }
  figures_.set("d_real", game_.objective->reportedOutput(realLogits).mean());
  figures_.set("d_fake", game_.objective->reportedOutput(fakeLogits).mean());
  figures_.set("value", game_.objective->value(realLogits, fakeLogits));
  game_.objective->addFigures(realLogits, fakeLogits, figures_);
}

void Arena::discriminatorStep() {
  // The schedule sees the epoch count before this batch is drawn.
  beginUpdate(Side::Discriminator);
  const int64_t steps = steps_, epochs = completedEpochs();
  auto real = realBatch();
  auto fake = generate(noise(), /*withGraph=*/false);
  auto pass = discriminate(real, fake);
  backward(Side::Discriminator, pass.loss);
  // The update (and the figures, which need only the logits) waits for the
  // next G forward pass, to run beside it: with k > 1 that is inside the
  // next D update, the next D step's or a joint rule's, which has recorded
  // its own schedule point by then (another epoch's, when this batch ended
  // one). This update takes this step's point and leaves that one recorded.
  pendingUpdate_ = [this, pass, steps, epochs] {
    d_->stepAt(steps, epochs);
    game_.objective->constrainDiscriminator(*discriminator_);
    recordDiscriminator(pass);
  };
}

void Arena::generatorStep() {
  beginUpdate(Side::Generator);
  auto fake = generate(noise(), /*withGraph=*/true);
  auto loss = generatorLoss(fake, &lastReal_);
  backward(Side::Generator, loss);
  update(Side::Generator);
  figures_.set("g_loss", loss.detach());
}

DiscriminatorPass Arena::jointGradients(bool record) {
  auto real = realBatch();
  auto fake = generate(noise(), /*withGraph=*/true);
  auto pass = discriminate(real, fake);
  auto gLoss = generatorLoss(pass);
  // Both gradients from the same forward pass, before either player moves:
  // each loss reaches only its own player's parameters.
  backward(Side::Discriminator, pass.loss, /*retainGraph=*/true);
  backward(Side::Generator, gLoss);
  if (record) {
    recordDiscriminator(pass);
    figures_.set("g_loss", gLoss.detach());
  }
  return pass;
}

void Arena::beginStep() { figures_ = Figures(); }

Figures Arena::endStep() {
  settle();  // none is left by the rule's blocks; callbacks must see D updated
  generator_->addFigures(figures_);
  discriminator_->addFigures(figures_);
  ++steps_;
  lastReal_ = {};
  return std::move(figures_);
}

void Arena::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive g, d, gOpt, dOpt;
  generator_->save(g);
  discriminator_->save(d);
  g_->save(gOpt);
  d_->save(dOpt);
  archive.write("generator", g);
  archive.write("discriminator", d);
  archive.write("g_optimizer", gOpt);
  archive.write("d_optimizer", dOpt);
  archive.write("steps", c10::IValue(steps_));
  archive.write("data_position", c10::IValue(data_->position()));
  archive.write("cpu_rng_state", at::detail::getDefaultCPUGenerator().get_state());
  if (options_.members) archive.write("member_rng_states", options_.members->states());
}

void Arena::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive g, d, gOpt, dOpt;
  archive.read("generator", g);
  archive.read("discriminator", d);
  archive.read("g_optimizer", gOpt);
  archive.read("d_optimizer", dOpt);
  generator_->load(g);
  discriminator_->load(d);
  generator_->to(options_.device);
  discriminator_->to(options_.device);
  g_->load(gOpt);
  d_->load(dOpt);
  c10::IValue value;
  archive.read("steps", value);
  steps_ = value.toInt();
  archive.read("data_position", value);
  data_->seek(value.toInt());
  torch::Tensor rngState;
  archive.read("cpu_rng_state", rngState);
  auto cpuGenerator = at::detail::getDefaultCPUGenerator();
  cpuGenerator.set_state(rngState);
  if (options_.members) {
    torch::Tensor states;
    archive.read("member_rng_states", states);
    options_.members->setStates(states);
  }
}

}  // namespace gantry::train
