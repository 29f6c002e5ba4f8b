#pragma once

#include "gantry/data/BatchSource.h"
#include "gantry/models/Generator.h"
#include "gantry/models/LatentPrior.h"
#include "gantry/objectives/InstanceNoise.h"
#include "gantry/objectives/Objective.h"
#include "gantry/objectives/Penalty.h"
#include "gantry/train/FlatParameters.h"
#include "gantry/train/OptimizerSpec.h"
#include "gantry/train/Precision.h"

#include <torch/serialize/archive.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gantry::train {

/// How the players move within one training step.
///   Alternating:  k discriminator updates, then one generator update on
///                 fresh noise against the updated D (Algorithm 1 of the paper).
///   Simultaneous: k−1 alternating D updates, then D and G both step from
///                 gradients of one forward pass (the authors' released code,
///                 with k = 1).
enum class UpdateMode { Alternating, Simultaneous };
UpdateMode parseUpdateMode(const std::string& name);  // "alternating" | "simultaneous"

struct TrainerOptions {
  int64_t batch_size = 64;
  int64_t d_steps = 1;  // k
  UpdateMode update = UpdateMode::Alternating;
  OptimizerSpec g_optimizer;
  OptimizerSpec d_optimizer;
  /// Terms added to D's loss at every discriminator update (R1, R2, GP).
  std::vector<objectives::WeightedPenalty> penalties;
  /// Noise on every input of D, in both players' updates.
  objectives::InstanceNoise instance_noise;
  /// Forward passes in float32 or under bfloat16 autocast; losses and
  /// updates are float32 either way.
  Precision precision = Precision::Float32;
  torch::Device device = torch::kCPU;
};

/// Figures of one step, from its last discriminator update, as detached
/// scalar tensors (reading them is left to whoever logs, so a step never
/// waits on the device for numbers nobody reads).
struct StepStats {
  torch::Tensor d_loss;   // what D minimised: the objective's loss plus the weighted penalties
  torch::Tensor penalty;  // the weighted penalties alone (undefined without any)
  torch::Tensor g_loss;
  torch::Tensor d_real;  // mean D(x)
  torch::Tensor d_fake;  // mean D(G(z))
  torch::Tensor value;   // minibatch estimate of V(D, G)
};

class Trainer;

/// Hooks into the training loop (logging, samples, checkpoints, progress).
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void onStart(Trainer& trainer) {}
  virtual void onStep(Trainer& trainer, const StepStats& stats) {}
  virtual void onEnd(Trainer& trainer) {}
};

/// Owns the players, their optimizers and the schedule. A step is one
/// generator update together with its k discriminator updates.
class Trainer {
 public:
  Trainer(std::shared_ptr<models::Generator> generator, std::shared_ptr<models::Discriminator> discriminator,
          std::shared_ptr<const objectives::Objective> objective, std::unique_ptr<data::BatchSource> data,
          models::LatentPrior prior, TrainerOptions options);

  StepStats step();
  /// Steps until `totalSteps` steps have been taken in all (counting those
  /// before a resume), calling the callbacks.
  void run(int64_t totalSteps, const std::vector<Callback*>& callbacks);
  /// run() stops after the current step once *flag is true (e.g. on Ctrl-C),
  /// still calling onEnd, so the run folder gets its final checkpoint.
  void setStopFlag(const std::atomic<bool>* flag) { stopFlag_ = flag; }
  bool stopped() const { return stopFlag_ && stopFlag_->load(); }

  int64_t steps() const { return steps_; }
  int64_t completedEpochs() const { return data_->position() / data_->batchesPerEpoch(); }
  models::Generator& generator() { return *generator_; }
  models::Discriminator& discriminator() { return *discriminator_; }
  const models::LatentPrior& prior() const { return prior_; }
  const TrainerOptions& options() const { return options_; }
  const data::BatchSource& data() const { return *data_; }
  /// The rates of the current step: schedules count steps (generator
  /// updates), so D's k updates within a step share one rate.
  double generatorLearningRate() const { return options_.g_optimizer.learningRate(steps_); }
  double discriminatorLearningRate() const { return options_.d_optimizer.learningRate(steps_); }

  /// Everything needed to continue exactly: both modules, both optimizers'
  /// states, counters, the data position and the CPU random generator.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  /// D on a real and a generated batch (with instance noise, if any): its
  /// logits (float32) and its loss with the penalties.
  struct DiscriminatorPass {
    torch::Tensor realLogits, fakeLogits, loss, penalty;
  };
  DiscriminatorPass discriminatorPass(const torch::Tensor& real, const torch::Tensor& fake);
  void updateDiscriminator();
  /// Runs `work` (which must not read D's parameters) beside the pending D
  /// update, if any (gantry/core/Overlap.h), and clears it.
  void besidePendingUpdate(const std::function<void()>& work);
  void discriminatorStep(StepStats& stats);
  void simultaneousStep(StepStats& stats);
  void generatorStep(StepStats& stats);
  void recordDiscriminator(StepStats& stats, const DiscriminatorPass& pass) const;
  /// Before a player's backward pass.
  static void clearGradients(torch::optim::Optimizer& optimizer, const FlatParameters* flat);

  std::shared_ptr<models::Generator> generator_;
  std::shared_ptr<models::Discriminator> discriminator_;
  std::shared_ptr<const objectives::Objective> objective_;
  std::unique_ptr<data::BatchSource> data_;
  models::LatentPrior prior_;
  TrainerOptions options_;
  // A small player's parameters in one tensor, which is what its optimizer
  // steps (null for a large one).
  std::unique_ptr<FlatParameters> gFlat_;
  std::unique_ptr<FlatParameters> dFlat_;
  std::unique_ptr<torch::optim::Optimizer> gOptimizer_;
  std::unique_ptr<torch::optim::Optimizer> dOptimizer_;
  int64_t steps_ = 0;
  const std::atomic<bool>* stopFlag_ = nullptr;
  // D's optimizer step and statistics after its last backward pass, left to
  // run beside the next G forward pass; always done by the end of step().
  std::function<void()> pendingUpdate_;
};

}  // namespace gantry::train
