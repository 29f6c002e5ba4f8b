#pragma once

#include "gantry/eval/dynamics/Spectrum.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::app {

/// What `gantry train` was asked to do (already split into fields by the CLI).
struct TrainRequest {
  std::string preset;      // empty: none given
  std::string configFile;  // empty: none given
  std::filesystem::path out;
  std::filesystem::path resume;  // non-empty: continue this run folder
  std::optional<int64_t> steps;
  std::optional<int64_t> seed;
  std::vector<std::string> assignments;  // --set key=value
  bool quiet = false;
  // One GAN on many processes (docs/distributed.md): this process's place,
  // given (worldSize > 0) or read from torchrun's variables.
  int rank = -1;
  int worldSize = 0;
  std::string master;  // HOST:PORT
};

/// Trains a new run, or resumes one. Returns the process exit code (130 when
/// interrupted). Throws UserError on bad input, before the run folder is
/// touched where the input can be checked up front.
int train(const TrainRequest& request);

struct SampleRequest {
  std::filesystem::path run;
  int64_t count = 0;
  std::filesystem::path out;  // .npy or .png
  int64_t seed = 0;
  /// Conditional runs: a class ("3"), or "all": `count` samples of each
  /// class in turn (a .png grid with one row per class).
  std::optional<std::string> label;
  /// Codes to draw from instead of noise: a .npy [N, latent dim] (then
  /// count is unused).
  std::filesystem::path codes;
  /// From the average of G's weights the run kept (g_ema).
  bool ema = false;
  /// A population's run: which member (required there, refused elsewhere).
  std::optional<int64_t> member;
};

/// Draws samples from a run's latest checkpoint into .npy (float32, shape
/// (count, sample shape...)) or .png (a grid or plot).
int sample(const SampleRequest& request);

/// `gantry latent interpolate|arithmetic|invert` (docs/latent.md). Each
/// writes OUT (a .png grid) and beside it OUT with .npy (the codes) and,
/// for arithmetic and invert, .json (what was found).
struct LatentRequest {
  std::string action;  // interpolate, arithmetic, invert
  std::filesystem::path run;
  std::filesystem::path out;  // .png
  int64_t seed = 0;
  std::optional<int64_t> label;   // conditional runs: the class of every code
  std::optional<int64_t> member;  // a population's run: which member
  // interpolate: the ends, in pairs, as seed:index of `gantry sample --seed S -n pool`
  // or rows of a .npy of codes
  std::vector<std::string> points;
  std::filesystem::path codes;
  std::optional<int64_t> pool;  // interpolate: 100; arithmetic: 10,000 samples to choose groups from
  std::string method = "slerp";
  int64_t steps = 10;
  // arithmetic: groups A − B + C, each filters such as "class:7" or "ink:0.9:1"
  std::string groupA, groupB, groupC;
  int64_t members = 3;               // codes averaged per group
  std::filesystem::path classifier;  // for class filters (empty: the dataset's default)
  // invert: target images (.npy of several, or .png files of one each)
  std::vector<std::filesystem::path> images;
  // invert, conditional runs: each target's class, in the order of the
  // targets: "3,2,1" or a .npy of integers (instead of one --label for all)
  std::string labels;
  int64_t starts = 4;
  int64_t iterations = 5000;
  double learningRate = 0.01;
  double priorWeight = 0.01;
};
int latent(const LatentRequest& request);

struct EvalRequest {
  std::filesystem::path run;      // a run folder to draw samples from, or
  std::filesystem::path samples;  // a .npy file of samples from any source,
  std::string dataset;            // with --samples: the dataset they are judged against
  std::vector<std::string> metrics;
  std::filesystem::path out;  // .json
  /// Samples drawn from a run (default: the largest of the metrics'
  /// protocols, e.g. 2,500 for modes, 10,000 for parzen); with --samples, the
  /// first `count` rows of the file (default: all).
  std::optional<int64_t> count;
  int64_t seed = 0;
  std::filesystem::path classifier;  // empty: the dataset's default classifier file
  /// A conditional run's samples all of this class.
  std::optional<int64_t> label;
  /// A run's samples from the average of G's weights it kept (g_ema).
  bool ema = false;
  /// A population's run: this member alone (default: each member, then
  /// their means and standard errors).
  std::optional<int64_t> member;
  bool quiet = false;
};

/// Computes the metrics on samples of a run (or a .npy file) and writes
/// them as JSON (keys: docs/evaluation.md); prints one line per metric unless
/// quiet. The memorization metric also writes the grid of its closest pairs
/// beside the JSON (FILE.memorization.png).
int evaluate(const EvalRequest& request);

struct ClassifierTrainRequest {
  std::string dataset;        // mnist | fashion
  std::filesystem::path out;  // empty: the default location gantry eval looks in
  std::optional<int64_t> epochs;
  int64_t seed = 1;
  std::string device = "cpu";
  bool quiet = false;
};

/// Trains the classifier of the image metrics on the dataset's 60,000
/// training images, measures its test accuracy and saves it.
int trainClassifier(const ClassifierTrainRequest& request);

struct JacobianRequest {
  std::filesystem::path run;         // a run folder (its checkpoint.pt), or
  std::filesystem::path checkpoint;  // a checkpoint file (with or without --run)
  std::filesystem::path out;         // .json
  int64_t top = 20;
  std::string method = "auto";  // dense | arnoldi | auto (dense up to 2,000 parameters)
  int64_t batch = 1000;
  std::string which = "magnitude";  // magnitude | real | imag
  int64_t seed = 0;
  /// Arnoldi's and Lanczos' restarts before they stop with what has
  /// converged (reported as not converged).
  int64_t maxRestarts = eval::SolveLimits{}.maxRestarts;
  bool quiet = false;
  /// Path angle (Berard et al. 2020) instead of eigenvalues: along the line
  /// from `from` (an earlier checkpoint of the same run) to the checkpoint,
  /// α ∈ [−0.1, 1.1] at 100 points.
  bool pathAngle = false;
  std::filesystem::path from;
  /// Game keys changed at the checkpoint ("penalty=r1"): the same point
  /// under another game.
  std::vector<std::string> assignments;
};

/// The eigenvalues of the Jacobian of the joint gradient field of a run's
/// two players at a checkpoint (gantry/eval/dynamics/JointField.h), and of
/// each player's Hessian of its own loss, as JSON, and the eigenvalues in
/// the complex plane as a PNG beside it (docs/dynamics.md).
int jacobian(const JacobianRequest& request);

struct DynamicsRequest {
  std::filesystem::path out;  // a folder
  int64_t steps = 500;
  double lr = 0.1;
  bool quiet = false;
};

/// The Dirac-GAN under each update rule × game × regulariser, through the
/// trainer: the Jacobian's eigenvalues at the equilibrium, the per-step
/// growth near it and convergence from (1, 1), each beside its closed form
/// or Mescheder et al. 2018's verdict; writes table.md, table.json and a
/// phase portrait per game into the folder.
int dynamicsTable(const DynamicsRequest& request);

struct ReportRequest {
  std::vector<std::filesystem::path> runs;
  std::filesystem::path out;  // .html
  bool quiet = false;
};

/// Writes one self-contained HTML page of the runs (gantry/report/Report.h;
/// docs/report.md); prints its path unless quiet.
int report(const ReportRequest& request);

/// The page of one run, as `gantry train` keeps it in the run folder
/// (report.html). `final` (the training is over): a Dirac-GAN's page also
/// gets its game's vector field, which the trajectory is drawn over.
void writeRunReport(const std::filesystem::path& run, bool final);

struct OptimalDRequest {
  std::filesystem::path run;
  std::vector<std::filesystem::path> checkpoints;  // empty: the run's checkpoint.pt
  std::filesystem::path out;                       // .json; the pictures beside it
  int64_t dSteps = 4000;                           // Adam on fresh batches
  int64_t lbfgsSteps = 300;                        // then L-BFGS on one fixed sample (0: none)
  int64_t lbfgsSamples = 65536;                    // of each, real and generated
  bool freshD = false;                             // D from its initial weights, not the checkpoint's
  int64_t samples = 10000000;
  int64_t seed = 0;
  bool quiet = false;
};

/// For a 1-d run of the original game: G frozen, D trained to convergence
/// on fresh samples, beside D* = p_data / (p_data + p_g) (p_g a kernel
/// density of G's samples); the largest gap |D − D*|, the value the trained
/// D attains beside 2·JSD − log 4, and a picture per checkpoint (the 2014
/// paper's Figure 1).
int optimalDiscriminator(const OptimalDRequest& request);

/// Prints the presets / the config keys by section / the members of an
/// extension point (objectives, penalties, rules, models, metrics,
/// datasets; all when empty) / the build (torch version, threads, BLAS,
/// CUDA); with a preset, the threads its runs use (after --set). markdown:
/// the tables of docs/reference.md.
void printPresets();
void printKeys(bool markdown = false);
void printList(const std::string& kind, bool markdown = false);
void printInfo(const std::string& preset = "", const std::vector<std::string>& assignments = {});

}  // namespace gantry::app
