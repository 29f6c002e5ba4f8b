#include "gantry/app/RunSettings.h"

#include "gantry/core/Error.h"
#include "gantry/train/Precision.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <optional>
#include <thread>

namespace gantry::app {

const Section<RunOptions>& runSection() {
  using S = RunOptions;
  static const auto section =
      Section<S>("run")
          .integer("seed", &S::seed, "random seed: same seed, same run", Range::atLeast(0))
          .integer("population", &S::population,
                   "GANs trained at once in one process (population training, docs/population.md): member n is "
                   "the run of seed + n (with a [sweep] of C settings: setting n mod C from seed + n / C), its players "
                   "stacked with the others' (1 = one GAN)",
                   Range::closed(1, 4096))
          .integer("steps", &S::steps, "generator updates in all", Range::atLeast(1))
          .resumable()
          .text("device", &S::device, "cpu, cuda or cuda:N (cuda needs a LibTorch built with CUDA)")
          .resumable()
          .integer("threads", &S::threads,
                   "LibTorch intra-op threads (0 = auto: 1, as OpenBLAS threads the matrix products itself; one per "
                   "available core for convolutions of at least 2^28 multiply-adds and for bf16 products, which "
                   "run in oneDNN on these threads)",
                   Range::atLeast(0))
          .resumable()
          .integer("blas_threads", &S::blas_threads,
                   "OpenBLAS threads (0 = auto: 1 for small models, whose products are too small to share, or when "
                   "LibTorch runs more than one thread, else one per available core: the CPU affinity, at most "
                   "OMP_NUM_THREADS)",
                   Range::atLeast(0))
          .resumable()
          .flag("overlap", &S::overlap,
                "with one OpenBLAS thread and two or more available cores: run independent matrix products of a step "
                "(D on the real and the generated batch, a layer's weight and input gradients) on a second thread; "
                "same results bit for bit")
          .resumable()
          .text("precision", &S::precision,
                "forward passes in float32, or bf16 (autocast: matrix products in bfloat16, fast on CPUs with AVX-512 "
                "BF16)",
                train::precisionNames())
          .integer("log_every", &S::log_every, "steps between lines of metrics.jsonl (and a line at each checkpoint)",
                   Range::atLeast(1))
          .resumable()
          .integer("sample_every", &S::sample_every, "steps between sample pictures (0 = only at the end)",
                   Range::atLeast(0))
          .resumable()
          .integer("sample_count", &S::sample_count, "samples in each picture (grid or plot)", Range::atLeast(1))
          .resumable()
          .integer("checkpoint_every", &S::checkpoint_every, "steps between checkpoints (0 = only at the end)",
                   Range::atLeast(0))
          .resumable()
          // Stop by default: a rolled-back run no longer trains with the
          // learning rates its user chose (docs/reliability.md).
          .text("on_divergence", &S::on_divergence,
                "when a loss or a parameter stops being finite (checked every log_every steps): stop, or rollback "
                "to the last checkpoint with both learning rates times divergence_lr_factor (in a population: the "
                "diverged members' alone)",
                {"stop", "rollback"})
          .resumable()
          .integer("divergence_retries", &S::divergence_retries,
                   "rollbacks at most (on_divergence = rollback), then the run stops", Range::atLeast(0))
          .resumable()
          .number("divergence_lr_factor", &S::divergence_lr_factor,
                  "factor on lr_g and lr_d at each rollback (on_divergence = rollback)", Range{0.0, 1.0, true, true})
          .resumable();
  return section;
}

const Section<EvalOptions>& evalSection() {
  using S = EvalOptions;
  static const auto section =
      Section<S>("eval")
          .integer("eval_every", &S::eval_every, "steps between evaluations into metrics.jsonl (0 = off)",
                   Range::atLeast(0))
          .resumable()
          .text("eval_metrics", &S::eval_metrics,
                "metrics evaluated during training, comma-separated (empty: modes on toy data; fd, kid, prdc, "
                "classifier-score, classes on mnist and fashion; memorization on image folders)")
          .resumable()
          .integer("eval_samples", &S::eval_samples,
                   "samples per evaluation during training, from fixed noise (fewer than gantry eval's protocols: "
                   "cheaper, and comparable only with each other)",
                   Range::atLeast(2))
          .resumable()
          .text("eval_classifier", &S::eval_classifier,
                "classifier file for the feature metrics during training (empty: data/classifiers/DATASET.pt)")
          .resumable()
          .integer("jacobian_every", &S::jacobian_every,
                   "steps between the top eigenvalues of the game's Jacobian into jacobian.jsonl (0 = off; "
                   "docs/dynamics.md)",
                   Range::atLeast(0))
          .resumable()
          .integer("jacobian_top", &S::jacobian_top, "jacobian_every: how many eigenvalues (largest magnitude)",
                   Range::atLeast(1))
          .resumable()
          .integer("jacobian_batch", &S::jacobian_batch, "jacobian_every: real samples and codes of the field",
                   Range::atLeast(1))
          .resumable();
  return section;
}

namespace {

void checkDevice(const std::string& name) {
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const c10::Error&) {
    throw UserError(fmt::format("config key 'device' must be cpu, cuda or cuda:N, got '{}'", name));
  }
  if (device->is_cuda() && !torch::cuda::is_available())
    throw UserError(
        fmt::format("config key 'device' is '{}' but this LibTorch has no CUDA device; use device=cpu "
                    "or point CMAKE_PREFIX_PATH at a CUDA build of LibTorch",
                    name));
  if (!device->is_cpu() && !device->is_cuda())
    throw UserError(fmt::format("config key 'device' must be cpu, cuda or cuda:N, got '{}'", name));
}

}  // namespace

void checkThreads(const RunOptions& run) {
  const int64_t machine = std::max(1u, std::thread::hardware_concurrency());
  for (const auto& [key, value] :
       {std::pair<const char*, int64_t>{"threads", run.threads}, {"blas_threads", run.blas_threads}})
    if (value > machine)
      throw UserError(fmt::format("config key '{}' = {}: this machine has {} hardware threads; use 0 (auto) or 1 to {}",
                                  key, value, machine, machine));
}

namespace {

/// D's batches (batch_size packs, or samples) hold whole groups of the
/// minibatch std.
void checkBatchFits(const RunSettings& s) {
  const int64_t batch = s.data.batch_size, group = s.stabilisers.minibatch_std_group;
  if (group > 0 && batch > group && batch % group != 0)
    throw UserError(fmt::format(
        "config key 'minibatch_std_group' = {} needs batch_size ({}, D's batch) to be a multiple of it", group, batch));
}

/// What a population's stacked players cannot train, found before anything
/// is built (what the model family refuses, it names itself).
void checkPopulation(const Config& config, const RunSettings& s) {
  if (s.run.population == 1) return;
  auto refuse = [&](const std::string& what) {
    throw UserError(
        fmt::format("config key 'population' = {} trains each member on its own rows of one batch; {}, "
                    "or set population = 1",
                    s.run.population, what));
  };
  const auto rule = train::makeUpdateRule(config, s.update);
  if (rule->needs().secondDerivatives || rule->needs().differentiableUpdates)
    refuse(
        fmt::format("update = {} differentiates through the players' gradients: choose alternating, "
                    "simultaneous, extragradient or optimistic",
                    s.update.update));
  if (objectives::makeObjective(s.game.objective)->comparesAcrossBatch())
    refuse(fmt::format("objective = {} compares each sample with its whole batch: choose another objective",
                       s.game.objective));
  if (s.game.feature_matching) refuse("feature matching matches the whole batch's mean: set feature_matching = false");
  if (s.eval.jacobian_every > 0) refuse("the game's Jacobian is one member's: set jacobian_every = 0");
}

/// A sweep's settings share the population evenly, so that each is trained
/// from the same seeds.
void checkSweep(const RunSettings& s) {
  const auto factors = static_cast<int64_t>(s.sweep.member_lr_factors.size());
  if (factors != 0 && factors != s.run.population)
    throw UserError(fmt::format(
        "config key 'member_lr_factors' has {} entries for a population of {}: give one per member, or none", factors,
        s.run.population));
  if (!train::sweeps(s.sweep)) return;
  const auto settings = static_cast<int64_t>(train::sweepPoints(s.sweep, s.optimizer).size());
  if (s.run.population % settings != 0)
    throw UserError(
        fmt::format("config key 'population' = {} is not a multiple of the sweep's {} settings (sweep_lr_d, "
                    "sweep_lr_g), each trained from the same seeds: choose population = {} or another multiple",
                    s.run.population, settings, settings * std::max<int64_t>(1, s.run.population / settings)));
}

}  // namespace

RunSettings readSettings(const Config& config) {
  RunSettings s;
  s.preset = config.getString("preset");
  s.run = runSection().read(config);
  s.eval = evalSection().read(config);
  s.data = data::dataSection().read(config);
  s.latent = models::latentSection().read(config);
  s.model = models::modelSection().read(config);
  s.stabilisers = models::stabiliserSection().read(config);
  s.game = objectives::gameSection().read(config);
  s.update = train::updateSection().read(config);
  s.optimizer = train::optimizerSection().read(config);
  s.sweep = train::sweepSection().read(config);
  checkDevice(s.run.device);
  objectives::buildGame(s.game);  // the penalty goes with the objective
  const auto& dataset = data::datasetOf(s.data);
  if (s.model.conditional != "none" && dataset.isToy() && dataset.distribution()->components() < 2)
    throw UserError(fmt::format("config key 'conditional' = {} needs data of at least 2 classes; dataset = {} has one",
                                s.model.conditional, s.data.dataset));
  checkBatchFits(s);
  checkPopulation(config, s);
  checkSweep(s);
  return s;
}

}  // namespace gantry::app
