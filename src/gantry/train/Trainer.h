#pragma once

#include "gantry/core/Figures.h"
#include "gantry/train/Arena.h"
#include "gantry/train/UpdateRule.h"
#include "gantry/train/WeightAverage.h"

#include <torch/serialize/archive.h>

#include <atomic>
#include <memory>
#include <vector>

namespace gantry::train {

class Trainer;

/// Hooks into the training loop (logging, samples, checkpoints, progress).
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void onStart(Trainer& trainer) {}
  /// After each step, with its figures (gantry/core/Figures.h).
  virtual void onStep(Trainer& trainer, const Figures& figures) {}
  virtual void onEnd(Trainer& trainer) {}
};

/// The steps that end an interval of a run's figures (a metrics line, a
/// divergence check): every `every` steps and each checkpoint's (every
/// `checkpointEvery`; 0: none but the end's). No interval spans a
/// checkpoint, so a run resumed from any of them (the fallback
/// checkpoint.prev.pt, a rollback, a killed process's) sums the same steps
/// into each line as the run that wrote them.
struct FigureInterval {
  int64_t every = 1;
  int64_t checkpointEvery = 0;
  bool endsAt(int64_t step) const { return step % every == 0 || (checkpointEvery > 0 && step % checkpointEvery == 0); }
};

/// Owns the loop and persistence: each step is the update rule's step in
/// the arena (gantry/train/Arena.h), then the callbacks; checkpoints hold the
/// arena's state and the rule's.
class Trainer {
 public:
  /// The arena must be set up for the rule's needs (twice-differentiable
  /// passes where it asks for second derivatives); the trainer refuses a
  /// model that cannot give what the rule needs (UserError).
  Trainer(std::unique_ptr<Arena> arena, std::unique_ptr<UpdateRule> rule);

  /// One training step; its figures.
  Figures step();
  /// Steps until `totalSteps` steps have been taken in all (counting those
  /// before a resume), calling the callbacks.
  void run(int64_t totalSteps, const std::vector<Callback*>& callbacks);
  /// run() stops after the current step once *flag is true (e.g. on Ctrl-C),
  /// still calling onEnd, so the run folder gets its final checkpoint.
  void setStopFlag(const std::atomic<bool>* flag) { stopFlag_ = flag; }
  /// Whether the flag is set (or, after run(), whether a stop ended it:
  /// with data parallelism, a stop of any rank's).
  bool stopped() const { return stopRequested_ || (stopFlag_ && stopFlag_->load()); }

  /// Keeps an average of G's weights (g_ema), updated after every step and
  /// saved with the checkpoint; set before the first step or a load.
  void setAverage(std::unique_ptr<WeightAverage> average) { average_ = std::move(average); }
  /// The average of G's weights, or null when the run keeps none.
  WeightAverage* average() { return average_.get(); }

  int64_t steps() const { return arena_->steps(); }
  int64_t completedEpochs() const { return arena_->completedEpochs(); }
  Arena& arena() { return *arena_; }
  const UpdateRule& rule() const { return *rule_; }
  models::Generator& generator() { return arena_->generator(); }
  models::Discriminator& discriminator() { return arena_->discriminator(); }
  const models::LatentPrior& prior() const { return arena_->prior(); }
  const data::BatchSource& data() const { return arena_->data(); }
  const objectives::Game& game() const { return arena_->game(); }
  const torch::Device& device() const { return arena_->options().device; }
  /// The rates of the current step: schedules count steps (generator
  /// updates), so D's k updates within a step share one rate.
  double generatorLearningRate() const { return arena_->options().g_optimizer.learningRate(steps()); }
  double discriminatorLearningRate() const { return arena_->options().d_optimizer.learningRate(steps()); }

  /// Everything needed to continue exactly: both modules, both optimizers'
  /// states, counters, the data position, the CPU random generator, the
  /// rule's own state and the average of G's weights.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);
  /// The processes that trained the checkpoint loaded last (1 for a single
  /// process, and before any load): a run resumes with as many, while a
  /// tool that only reads the players takes any.
  int64_t loadedWorldSize() const { return loadedWorldSize_; }

 private:
  std::unique_ptr<Arena> arena_;
  std::unique_ptr<UpdateRule> rule_;
  std::unique_ptr<WeightAverage> average_;
  const std::atomic<bool>* stopFlag_ = nullptr;
  bool stopRequested_ = false;
  int64_t loadedWorldSize_ = 1;
};

}  // namespace gantry::train
