#pragma once

#include "gantry/core/Config.h"
#include "gantry/core/Section.h"
#include "gantry/data/Datasets.h"
#include "gantry/models/ModelFamily.h"
#include "gantry/objectives/Game.h"
#include "gantry/train/OptimizerSpec.h"
#include "gantry/train/Sweep.h"
#include "gantry/train/UpdateRule.h"

#include <string>

namespace gantry::app {

/// The [run] section: what a run does besides training (how long, on what,
/// how often it logs, draws and saves).
struct RunOptions {
  int64_t seed = 1;
  int64_t population = 1;
  int64_t steps = 10000;
  std::string device = "cpu";
  int64_t threads = 0;
  int64_t blas_threads = 0;
  bool overlap = true;
  std::string precision = "float32";
  int64_t log_every = 100;
  int64_t sample_every = 1000;
  int64_t sample_count = 100;
  int64_t checkpoint_every = 1000;
  std::string on_divergence = "stop";
  int64_t divergence_retries = 3;
  double divergence_lr_factor = 0.5;
};
const Section<RunOptions>& runSection();

/// The [eval] section: evaluation during training (docs/evaluation.md).
struct EvalOptions {
  int64_t eval_every = 0;
  std::string eval_metrics;
  int64_t eval_samples = 1000;
  std::string eval_classifier;
  int64_t jacobian_every = 0;
  int64_t jacobian_top = 10;
  int64_t jacobian_batch = 500;
};
const Section<EvalOptions>& evalSection();

/// A run's config as one typed record: every section's settings. The
/// sections of a model family or an update rule ([mlp], [unrolled]) are
/// read by that family or rule from the Config.
struct RunSettings {
  std::string preset;
  RunOptions run;
  EvalOptions eval;
  data::DataSettings data;
  models::LatentSettings latent;
  models::ModelSettings model;
  models::StabiliserSettings stabilisers;
  objectives::GameSettings game;
  train::UpdateSettings update;
  train::OptimizerSettings optimizer;
  train::SweepSettings sweep;
};

/// The config's typed record, with the rules between keys that need no data
/// checked (UserError naming the key): the device exists, the penalty goes
/// with the objective, the model family fits the data and its conditioning.
/// (What needs the data, such as an image folder's classes, is checked when
/// the run is built, before anything is written.)
RunSettings readSettings(const Config& config);

/// Refuses (UserError naming the key) more threads than the machine has: they
/// only fight over its cores, and threads = 100000 makes it unusable. Checked
/// when a run starts; a run folder from a larger machine still samples,
/// evaluates and resumes here, its threads capped (threadPlan).
void checkThreads(const RunOptions& run);

}  // namespace gantry::app
