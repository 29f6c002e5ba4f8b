#pragma once

#include "gantry/core/Figures.h"
#include "gantry/core/MemberStreams.h"
#include "gantry/data/BatchSource.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/LatentPrior.h"
#include "gantry/objectives/Game.h"
#include "gantry/train/DataParallel.h"
#include "gantry/train/Player.h"
#include "gantry/train/Precision.h"

#include <torch/serialize/archive.h>

#include <functional>
#include <memory>
#include <vector>

namespace gantry::train {

enum class Side { Generator, Discriminator };

/// How the arena runs, decided once for a run.
struct ArenaOptions {
  OptimizerSpec g_optimizer;
  OptimizerSpec d_optimizer;
  /// Forward passes in float32 or under bfloat16 autocast; losses and
  /// updates are float32 either way.
  Precision precision = Precision::Float32;
  torch::Device device = torch::kCPU;
  /// The models' execution (gantry/models/Model.h) and whether the arena's
  /// own side work (D's update beside G's forward pass) may use the helper
  /// thread: a core must be free for it.
  models::Execution execution;
  /// One GAN on many processes (gantry/train/DataParallel.h): every draw
  /// of real samples and noise is the global batch's, of which this rank
  /// trains on its shard, and the players' gradients are averaged over the
  /// ranks before each optimizer step. Null: a single process.
  std::shared_ptr<DataParallel> parallel;
  /// Population training (gantry/models/StackedMlp.h): the members' random
  /// streams, with which each member's codes and instance noise are drawn
  /// (its real batches are the data source's, gantry/data/PopulationSource.h).
  /// The players are then stacked models and each loss is the mean over
  /// all members' rows, which the arena multiplies by N before its backward
  /// pass, so that each member's gradient is the one its own loss gives.
  /// Null: one GAN.
  std::shared_ptr<MemberStreams> members;
  /// A population's sweep of learning rates (gantry/train/Sweep.h): member
  /// n's optimizer spec for each player, whose rate scales its step (the
  /// player's own spec then has the largest rate). Empty: every member
  /// steps at the player's rate.
  std::vector<OptimizerSpec> g_member_optimizers;
  std::vector<OptimizerSpec> d_member_optimizers;
};

/// The noise of one generated batch: codes z, and the classes G is asked
/// for (conditional models; undefined otherwise).
struct Noise {
  torch::Tensor z;
  torch::Tensor labels;
};

/// D's pass over a real and a generated batch.
struct DiscriminatorPass {
  data::Batch real, fake;                              // as D saw them: with instance noise, if any
  models::DiscriminatorOutput realOutput, fakeOutput;  // logits in float32
  torch::Tensor loss;       // what D minimises: the objective's loss plus the weighted penalties
  torch::Tensor penalty;    // the weighted penalties alone (undefined without any)
  torch::Tensor classLoss;  // the class term on both batches (D with a class head; undefined otherwise)
};

/// Where the two players meet: the building blocks an update rule writes a
/// training step with (gantry/train/UpdateRule.h). The arena owns the
/// players and their optimizers, the data, the game and the noise, and the
/// performance paths that give the arithmetic of a plain implementation bit
/// for bit:
///  - D's paired pass over the real and the generated batch (a model's
///    forwardPair), taken where its contract holds: the two passes are the
///    only terms of D's gradient (no penalty with a pass of its own);
///  - the standard D step's optimizer update, left to run beside the next
///    G forward pass (which does not read D) on the helper thread; every
///    block that reads D, its gradients or its optimizer finishes it first;
///  - flat parameters and fused SGD (Player, OptimizerSpec);
///  - D's parameters frozen while G's loss is taken through it, where G's
///    update needs no gradient of D.
/// Rules use these blocks and never need to know which path ran.
class Arena {
 public:
  Arena(std::shared_ptr<models::Generator> generator, std::shared_ptr<models::Discriminator> discriminator,
        objectives::Game game, std::unique_ptr<data::BatchSource> data, models::LatentPrior prior,
        ArenaOptions options);
  ~Arena();

  // --- what a rule reads
  /// Finishes D's pending update first: the module is then up to date.
  models::Discriminator& discriminator();
  models::Generator& generator() { return *generator_; }
  Player& player(Side side);
  const objectives::Game& game() const { return game_; }
  const objectives::Objective& objective() const { return *game_.objective; }
  const ArenaOptions& options() const { return options_; }
  const data::BatchSource& data() const { return *data_; }
  data::BatchSource& data() { return *data_; }
  const models::LatentPrior& prior() const { return prior_; }
  /// Members trained at once (population training), else 1.
  int64_t members() const { return options_.members ? options_.members->size() : 1; }
  /// Training steps completed before the current one (schedules count them).
  int64_t steps() const { return steps_; }
  int64_t completedEpochs() const { return data_->position() / data_->batchesPerEpoch(); }

  // --- draws (the default CPU generator, in call order)
  /// The next real batch (with data parallelism: this rank's shard of it).
  data::Batch realBatch();
  /// z from the prior and, for a conditional generator, labels uniform over
  /// its classes (with data parallelism: this rank's shard of them).
  Noise noise();

  // --- passes
  /// G(z | labels) as a batch carrying the labels; withGraph: for G's own
  /// update. Runs beside D's pending update (G does not read D).
  data::Batch generate(const Noise& noise, bool withGraph);
  /// The batches as D sees them: instance noise added to both (fresh draws).
  std::pair<data::Batch, data::Batch> discriminatorInputs(const data::Batch& real, const data::Batch& fake);
  /// D on both batches, with instance noise, its loss and the penalties.
  DiscriminatorPass discriminate(const data::Batch& real, const data::Batch& fake);
  /// The same on inputs that already carry their instance noise.
  DiscriminatorPass discriminateInputs(const data::Batch& real, const data::Batch& fake);
  /// G's loss through D on a generated batch (instance noise added), with
  /// D's outputs on `real` when the objective reads them (real may be null
  /// otherwise). freezeDiscriminator: D's parameters need no gradient (G's
  /// update alone reads this loss), which skips a third of D's backward.
  torch::Tensor generatorLoss(const data::Batch& fake, const data::Batch* real, bool freezeDiscriminator = true);
  /// G's loss from the outputs of a pass (both players from one forward
  /// pass: the simultaneous update).
  torch::Tensor generatorLoss(const DiscriminatorPass& pass);
  /// G's loss through D on inputs that already carry their instance noise,
  /// D's parameters not frozen (real may be null unless the objective reads
  /// it).
  torch::Tensor generatorLossOn(const data::Batch& fakeInput, const data::Batch* realInput);

  // --- updates
  /// The schedule point of a player's next update (learning rate and
  /// momentum from the steps and the epochs completed by now).
  void beginUpdate(Side side);
  /// Gradients of `loss` with respect to that player's parameters alone, in
  /// place of any earlier ones.
  void backward(Side side, const torch::Tensor& loss, bool retainGraph = false);
  /// One optimizer step of that player with its scheduled rate (D: then the
  /// objective's constraint, e.g. weight clipping).
  void update(Side side);
  /// Copies of what the player's optimizer steps, and back (D: the
  /// objective's constraint is applied again).
  std::vector<torch::Tensor> parameterValues(Side side);
  void setParameterValues(Side side, const std::vector<torch::Tensor>& values);
  /// Finishes D's pending update.
  void settle();

  // --- the standard steps of each player, for rules built from them
  /// One D update on a fresh real batch and a batch of G's (no graph to G),
  /// whose optimizer step is left to run beside the next G forward pass.
  void discriminatorStep();
  /// One G update on fresh noise against the current D (Algorithm 1 of
  /// Goodfellow et al. 2014); a relativistic objective also reads D's
  /// outputs on the step's last real batch.
  void generatorStep();
  /// Both players' gradients at the current point from one forward pass on
  /// a fresh real batch and fresh noise (what the simultaneous update
  /// steps with); records the pass's figures when `record`.
  DiscriminatorPass jointGradients(bool record = true);

  // --- figures of the current step
  Figures& figures() { return figures_; }
  /// d_loss, penalty, d_real, d_fake and value of a pass.
  void recordDiscriminator(const DiscriminatorPass& pass);

  // --- the loop (the trainer's)
  /// Clears the figures for a new step.
  void beginStep();
  /// Finishes pending work, adds the models' own figures; counts the step.
  Figures endStep();
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  /// Runs `work` (which must not read D's parameters) beside the pending D
  /// update, if any, and clears it.
  void besidePendingUpdate(const std::function<void()>& work);
  /// Whether D's paired pass gives the plain passes' gradients to the bit.
  bool pairedPassIsExact() const;
  /// The game's instance noise added to D's inputs (each member's from its
  /// own stream).
  torch::Tensor withInstanceNoise(const torch::Tensor& samples);
  /// This rank's rows of a draw of the global batch (all rows for a single
  /// process): rank r of W takes rows [r·n/W, (r+1)·n/W).
  torch::Tensor shard(const torch::Tensor& rows) const;
  /// G's loss from D's outputs on a generated batch (and on a real one, for
  /// objectives that read it): the objective's, plus the class term on the
  /// generated batch when D has a class head (AC-GAN); with feature
  /// matching, its loss in place of the objective's.
  torch::Tensor generatorLossOf(const models::DiscriminatorOutput& fakeOutput, const torch::Tensor& fakeLabels,
                                const models::DiscriminatorOutput& realOutput) const;

  std::shared_ptr<models::Generator> generator_;
  std::shared_ptr<models::Discriminator> discriminator_;
  objectives::Game game_;
  std::unique_ptr<data::BatchSource> data_;
  models::LatentPrior prior_;
  ArenaOptions options_;
  std::unique_ptr<Player> g_;
  std::unique_ptr<Player> d_;
  int64_t steps_ = 0;
  Figures figures_;
  data::Batch lastReal_;  // the current step's last real batch
  // D's optimizer step and figures after its last backward pass, left to
  // run beside the next G forward pass; always done by the end of a step.
  std::function<void()> pendingUpdate_;
};

}  // namespace gantry::train
