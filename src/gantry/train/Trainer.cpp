#include "gantry/train/Trainer.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::train {

Trainer::Trainer(std::unique_ptr<Arena> arena, std::unique_ptr<UpdateRule> rule)
    : arena_(std::move(arena)), rule_(std::move(rule)) {
  const auto needs = rule_->needs();
  if (needs.secondDerivatives && !arena_->options().execution.twiceDifferentiable)
    throw std::logic_error("update rule " + rule_->name() + " needs twice-differentiable passes; set up the arena so");
  if (needs.differentiableUpdates && arena_->discriminator().parameterSlots().empty())
    throw UserError(fmt::format(
        "config key 'update' = {} evaluates D at parameters of its own, which this model family's discriminator "
        "does not support; choose another update rule or model",
        rule_->name()));
  if (needs.differentiableUpdates && arena_->options().parallel)
    throw UserError(
        fmt::format("update = {} takes D's inner steps on one process's shard alone; train it in "
                    "one process (without --nproc or --world-size)",
                    rule_->name()));
}

Figures Trainer::step() {
  arena_->beginStep();
  rule_->step(*arena_);
  auto figures = arena_->endStep();
  if (average_) average_->update(arena_->generator(), steps());
  return figures;
}

void Trainer::run(int64_t totalSteps, const std::vector<Callback*>& callbacks) {
  for (auto* c : callbacks) c->onStart(*this);
  auto* parallel = arena_->options().parallel.get();
  // Ranks stop after the same step: a signal may reach one of them only.
  auto stopNow = [&] { return parallel ? parallel->any(stopped()) : stopped(); };
  while (steps() < totalSteps && !(stopRequested_ = stopNow())) {
    auto figures = step();
    for (auto* c : callbacks) c->onStep(*this, figures);
  }
  for (auto* c : callbacks) c->onEnd(*this);
}

void Trainer::save(torch::serialize::OutputArchive& archive) const {
  arena_->save(archive);
  if (const auto* parallel = arena_->options().parallel.get())
    archive.write("world_size", torch::tensor(static_cast<int64_t>(parallel->worldSize())));
  torch::serialize::OutputArchive rule;
  rule_->save(rule);
  archive.write("update_rule", rule);
  if (average_) {
    torch::serialize::OutputArchive average;
    average_->save(average);
    archive.write("generator_ema", average);
  }
}

void Trainer::load(torch::serialize::InputArchive& archive) {
  torch::Tensor worldSize;
  loadedWorldSize_ = archive.try_read("world_size", worldSize) ? worldSize.item<int64_t>() : 1;
  arena_->load(archive);
  torch::serialize::InputArchive rule;
  // Checkpoints of gantry 0.1 have no rule state (their rules kept none).
  if (archive.try_read("update_rule", rule)) rule_->load(rule);
  if (average_) {
    torch::serialize::InputArchive average;
    archive.read("generator_ema", average);
    average_->load(average);
  }
}

}  // namespace gantry::train
