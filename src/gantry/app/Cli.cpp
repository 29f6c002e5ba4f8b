#include "gantry/app/Cli.h"

#include "gantry/app/Commands.h"
#include "gantry/app/EvalSetup.h"
#include "gantry/app/Launch.h"
#include "gantry/app/Study.h"
#include "gantry/core/Error.h"
#include "gantry/io/TerminalImage.h"

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>
#include <sstream>
#include <utility>

#include <unistd.h>

namespace gantry::app {

namespace {

/// The arguments after the program's name, without `option` and its value
/// (given as "--option V" or "--option=V").
std::vector<std::string> withoutOption(int argc, char** argv, const std::string& option) {
  std::vector<std::string> kept;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == option) {
      ++i;
      continue;
    }
    if (a.rfind(option + "=", 0) == 0) continue;
    kept.push_back(a);
  }
  return kept;
}

/// "K/N" of a study worker: its index and the number of workers.
std::pair<int, int> parseShard(const std::string& text) {
  int k = -1, n = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> k >> slash >> n) || slash != '/' || !in.eof() || n < 1 || k < 0 || k >= n)
    throw UserError(fmt::format("--shard takes K/N with 0 <= K < N, not '{}'", text));
  return {k, n};
}

/// Integers beyond 64 bits are refused, not clamped (CLI11 converts them to
/// the largest value).
const CLI::Validator kInt64(
    [](std::string& text) -> std::string {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc::result_out_of_range) return text + " is out of range of a 64-bit integer";
      return "";
    },
    "INT");

/// The keys to name when the config's sizes do not fit: an allocation that
/// failed or a product of sizes past 64 bits.
constexpr const char* kSizeKeys =
    "batch_size, pack, latent_dim, g_hidden, d_hidden, maxout_pieces, class_embedding, dcgan_g_width, "
    "dcgan_d_width, minibatch_kernels, minibatch_kernel_dim, sample_count, eval_samples, image_size";

/// "gantry frobnicate": name the command and the ones there are, rather than
/// CLI11's "A subcommand is required".
void checkCommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  std::vector<std::string> names;
  for (const auto* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name() == argv[1]) return;
    names.push_back(command->get_name());
  }
  throw UserError(fmt::format("unknown command '{}'; the commands are {}", argv[1], fmt::join(names, ", ")));
}

/// `--preset ""` or `--out ""` (an unset shell variable) would otherwise
/// fall back to a default the user did not ask for.
void refuseEmptyValues(const CLI::App& app) {
  for (const auto* command : app.get_subcommands()) {
    for (const auto* option : command->get_options()) {
      if (option->get_type_size_max() == 0) continue;  // a flag
      for (const auto& value : option->results())
        if (value.find_first_not_of(" \t") == std::string::npos)
          throw UserError(fmt::format("option {} of gantry {} was given an empty value; give it one or leave it out",
                                      option->get_name(), command->get_name()));
    }
    refuseEmptyValues(*command);
  }
}

}  // namespace

int runCli(int argc, char** argv) {
  followSupervisor();
  CLI::App app{"gantry: train, sample and study generative adversarial networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(GANTRY_VERSION));

  TrainRequest trainRequest;
  int64_t steps = 0, seed = 0;
  std::string out, resume;
  auto* train = app.add_subcommand("train", "train a GAN into a run folder, or resume one");
  train->add_option("--preset", trainRequest.preset, "preset to start from (gantry presets)");
  train->add_option("--config", trainRequest.configFile, "TOML file of config keys (gantry keys)");
  train->add_option("--out", out, "run folder to create");
  train->add_option("--resume", resume, "run folder to continue");
  auto* stepsOption =
      train->add_option("--steps", steps, "total generator steps (on resume: the new total)")->check(kInt64);
  auto* seedOption = train->add_option("--seed", seed, "random seed")->check(kInt64);
  train->add_option("--set", trainRequest.assignments, "override a config key: --set key=value (repeatable)");
  train->add_flag("--quiet", trainRequest.quiet, "no progress output");
  int nproc = 1;
  train->add_option("--nproc", nproc, "train one GAN on N processes of this machine (docs/distributed.md)")
      ->check(CLI::Range(1, 1024));
  train->add_option("--rank", trainRequest.rank, "this process's rank in a multi-machine job (with --world-size)")
      ->check(CLI::Range(0, 1 << 16));
  train->add_option("--world-size", trainRequest.worldSize, "processes in the job, on all machines")
      ->check(CLI::Range(1, 1 << 16));
  train->add_option("--master", trainRequest.master, "HOST:PORT where rank 0 serves the job's rendezvous");

  SampleRequest sampleRequest;
  std::string runDir, sampleOut;
  auto* sample = app.add_subcommand("sample", "draw samples from a trained run");
  sample->add_option("--run", runDir, "run folder")->required();
  auto* sampleCountOption =
      sample->add_option("-n,--count", sampleRequest.count, "number of samples (or give --z)")->check(kInt64);
  std::string sampleCodes;
  sample->add_flag("--ema", sampleRequest.ema, "from the average of G's weights the run kept (g_ema)");
  int64_t sampleMember = 0;
  auto* sampleMemberOption =
      sample->add_option("--member", sampleMember, "a population's run: which member (0..population - 1)")
          ->check(kInt64);
  sample->add_option("--z", sampleCodes, "draw from these codes: a .npy of shape (N, latent dim), one sample a row");
  sample->add_option("--out", sampleOut, "output file: .npy (float32 array) or .png (picture)")->required();
  sample->add_option("--seed", sampleRequest.seed, "seed of the noise")->check(kInt64);
  std::string sampleLabel;
  auto* sampleLabelOption = sample->add_option(
      "--label", sampleLabel, "conditional runs: draw class C only, or 'all': -n samples of each class (a row each)");

  LatentRequest latentRequest;
  std::string latentRun, latentOut, latentCodes, latentClassifier;
  std::vector<std::string> latentImages;
  int64_t latentLabel = 0, latentPool = 0, latentMember = 0;
  auto* latentCommand = app.add_subcommand("latent", "explore G's latent space: interpolate, arithmetic, invert");
  latentCommand->require_subcommand(1);
  auto common = [&](CLI::App* command) {
    command->add_option("--run", latentRun, "run folder")->required();
    command
        ->add_option("--out", latentOut,
                     "the picture (.png); the codes (.npy) go beside it, and for arithmetic and invert the "
                     "figures (.json)")
        ->required();
    command->add_option("--label", latentLabel, "conditional runs: the class of every code")->check(kInt64);
    command->add_option("--member", latentMember, "a population's run: which member (0..population - 1)")
        ->check(kInt64);
  };
  auto* interpolateCommand =
      latentCommand->add_subcommand("interpolate", "walk between pairs of codes: a row of images per pair");
  common(interpolateCommand);
  interpolateCommand
      ->add_option("--points", latentRequest.points,
                   "the ends in pairs, SEED:INDEX = sample INDEX of gantry sample --seed SEED -n POOL")
      ->delimiter(',');
  interpolateCommand->add_option("--codes", latentCodes, "the ends in pairs: the rows of a .npy of codes");
  auto* interpolatePool =
      interpolateCommand->add_option("--pool", latentPool, "the -n that --points' indices refer to (default 100)")
          ->check(kInt64);
  interpolateCommand->add_option("--method", latentRequest.method, "lerp or slerp (White 2016; default)");
  interpolateCommand->add_option("--steps", latentRequest.steps, "images per row, ends included (default 10)")
      ->check(kInt64);
  auto* arithmeticCommand = latentCommand->add_subcommand(
      "arithmetic", "mean code of group A - of group B + of group C, groups by class or image statistic");
  common(arithmeticCommand);
  arithmeticCommand->add_option("--a", latentRequest.groupA, "group A: filters such as class:7 or ink:0.9:1")
      ->required();
  arithmeticCommand->add_option("--b", latentRequest.groupB, "group B")->required();
  arithmeticCommand->add_option("--c", latentRequest.groupC, "group C")->required();
  auto* arithmeticPool =
      arithmeticCommand->add_option("--pool", latentPool, "samples drawn to choose the groups from (default 10000)")
          ->check(kInt64);
  arithmeticCommand
      ->add_option("--members", latentRequest.members,
                   "codes averaged per group, the first of its matches (default 3, as Radford et al.)")
      ->check(kInt64);
  // interpolate draws no codes of its own: --points carry their seeds.
  arithmeticCommand->add_option("--seed", latentRequest.seed, "seed of the pool's codes (default 0)")->check(kInt64);
  arithmeticCommand->add_option("--classifier", latentClassifier,
                                "classifier for class filters (default: the dataset's)");
  auto* invertCommand = latentCommand->add_subcommand("invert", "find codes whose images come closest to given ones");
  common(invertCommand);
  invertCommand->add_option("--images", latentImages, "target images: .npy arrays or .png files (repeatable)")
      ->required();
  invertCommand->add_option("--labels", latentRequest.labels,
                            "conditional runs: each image's class, in order: 3,2,1 or a .npy of integers");
  invertCommand->add_option("--starts", latentRequest.starts, "random starts per image, the best kept (default 4)")
      ->check(kInt64);
  invertCommand->add_option("--iterations", latentRequest.iterations, "RMSprop steps (default 5000)")->check(kInt64);
  invertCommand->add_option("--seed", latentRequest.seed, "seed of the random starts (default 0)")->check(kInt64);
  invertCommand->add_option("--lr", latentRequest.learningRate, "RMSprop's learning rate (default 0.01)");
  invertCommand->add_option("--prior-weight", latentRequest.priorWeight,
                            "weight of -mean log N(z; 0, I) beside the squared error (default 0.01)");

  EvalRequest evalRequest;
  std::string evalRun, evalSamples, evalOut, evalMetrics;
  int64_t evalCount = 0;
  auto* evalCommand = app.add_subcommand("eval", "compute metrics of a run's samples, or of a .npy of samples");
  evalCommand->add_option("--run", evalRun, "run folder to draw samples from");
  evalCommand->add_option("--samples", evalSamples, ".npy file of samples (instead of --run)");
  evalCommand->add_option("--dataset", evalRequest.dataset, "with --samples: the dataset they imitate");
  evalCommand
      ->add_option("--metrics", evalMetrics,
                   "comma-separated metric names: parzen, modes, fd, kid, prdc, classifier-score, classes, "
                   "per-class, memorization (docs/evaluation.md)")
      ->required();
  evalCommand->add_option("--out", evalOut, "JSON report to write")->required();
  auto* evalCountOption =
      evalCommand->add_option("-n,--count", evalCount, "samples to draw (default: each metric's protocol)")
          ->check(kInt64);
  evalCommand->add_option("--seed", evalRequest.seed, "seed of the noise, KID's subsets and the memorization baseline")
      ->check(kInt64);
  std::string evalClassifier;
  evalCommand->add_option("--classifier", evalClassifier,
                          "classifier file for fd, kid, prdc, classifier-score, classes (default: the dataset's, from "
                          "gantry classifier train)");
  evalCommand->add_flag("--quiet", evalRequest.quiet, "no summary on stdout");
  evalCommand->add_flag("--ema", evalRequest.ema, "a run's samples from the average of G's weights it kept (g_ema)");
  int64_t evalMember = 0;
  auto* evalMemberOption =
      evalCommand
          ->add_option("--member", evalMember,
                       "a population's run: this member alone (default: each member, and their means and standard "
                       "errors)")
          ->check(kInt64);
  int64_t evalLabel = 0;
  auto* evalLabelOption =
      evalCommand->add_option("--label", evalLabel, "conditional runs: draw every sample of this class")->check(kInt64);

  ClassifierTrainRequest classifierRequest;
  std::string classifierOut;
  int64_t classifierEpochs = 0;
  auto* classifier = app.add_subcommand("classifier", "the classifier behind the image metrics");
  classifier->require_subcommand(1);
  auto* classifierTrain = classifier->add_subcommand("train", "train it on mnist or fashion and save it");
  classifierTrain->add_option("--dataset", classifierRequest.dataset, "mnist or fashion")->required();
  classifierTrain->add_option("--out", classifierOut, "file to write (default: where gantry eval looks)");
  auto* classifierEpochsOption =
      classifierTrain->add_option("--epochs", classifierEpochs, "passes over the data")->check(kInt64);
  classifierTrain->add_option("--seed", classifierRequest.seed, "random seed")->check(kInt64);
  classifierTrain->add_option("--device", classifierRequest.device, "cpu, cuda or cuda:N");
  classifierTrain->add_flag("--quiet", classifierRequest.quiet, "no progress output");

  std::string showImage;
  int64_t showWidth = 100;
  JacobianRequest jacobianRequest;
  std::string jacobianRun, jacobianCheckpoint, jacobianOut;
  auto* jacobianCommand = app.add_subcommand(
      "jacobian", "eigenvalues of the Jacobian of a run's joint gradient field, and of each player's Hessian");
  jacobianCommand->add_option("--run", jacobianRun, "run folder (its checkpoint.pt)");
  jacobianCommand->add_option("--checkpoint", jacobianCheckpoint, "a checkpoint file instead of the run's latest");
  jacobianCommand->add_option("--out", jacobianOut, "output .json")->required();
  jacobianCommand->add_option("--top", jacobianRequest.top, "how many eigenvalues (default 20)")->check(kInt64);
  jacobianCommand->add_option("--method", jacobianRequest.method,
                              "dense (the full matrix), arnoldi (products only) or auto (dense up to 2,000 "
                              "parameters)");
  jacobianCommand->add_option("--batch", jacobianRequest.batch, "real samples and codes of the field (default 1000)")
      ->check(kInt64);
  jacobianCommand->add_option("--which", jacobianRequest.which,
                              "which come first: magnitude, real (largest real part) or imag (largest |imaginary|)");
  jacobianCommand->add_option("--seed", jacobianRequest.seed, "seed of the batch and of its noise")->check(kInt64);
  jacobianCommand
      ->add_option("--max-restarts", jacobianRequest.maxRestarts,
                   fmt::format("Arnoldi's and Lanczos' restarts before they stop with the eigenvalues converged so "
                               "far (default {})",
                               jacobianRequest.maxRestarts))
      ->check(kInt64);
  jacobianCommand->add_flag("--quiet", jacobianRequest.quiet, "print nothing");
  std::string jacobianFrom;
  jacobianCommand->add_flag("--path-angle", jacobianRequest.pathAngle,
                            "instead: the gradient's norm and angle along the line from --from to the checkpoint");
  jacobianCommand->add_option("--from", jacobianFrom, "--path-angle: the earlier checkpoint of the run");
  jacobianCommand->add_option("--set", jacobianRequest.assignments,
                              "change a game key at the checkpoint, e.g. --set penalty=r1 (repeatable)");

  DynamicsRequest dynamicsRequest;
  std::string dynamicsOut;
  auto* dynamicsCommand = app.add_subcommand(
      "dynamics", "the Dirac-GAN under every update rule, game and regulariser beside the closed forms");
  dynamicsCommand->add_option("--out", dynamicsOut, "folder for table.md, table.json and the phase portraits");
  dynamicsCommand->add_option("--steps", dynamicsRequest.steps, "steps from (1, 1) (default 500)")->check(kInt64);
  dynamicsCommand->add_option("--lr", dynamicsRequest.lr, "step size of both players (default 0.1)");
  dynamicsCommand->add_flag("--quiet", dynamicsRequest.quiet, "print nothing");

  OptimalDRequest optimalRequest;
  std::string optimalRun, optimalOut;
  std::vector<std::string> optimalCheckpoints;
  auto* optimalCommand = dynamicsCommand->add_subcommand(
      "optimal-d", "1-d runs: D trained to convergence against the frozen G, beside D* = p_data/(p_data + p_g)");
  optimalCommand->add_option("--run", optimalRun, "run folder (its checkpoint.pt)");
  optimalCommand->add_option("--checkpoint", optimalCheckpoints,
                             "checkpoint files instead (repeatable: a picture each)");
  optimalCommand->add_option("--out", optimalOut, "output .json; the pictures beside it (.png)")->required();
  optimalCommand->add_option("--d-steps", optimalRequest.dSteps, "Adam steps on fresh batches (default 4000)")
      ->check(kInt64);
  optimalCommand
      ->add_option("--lbfgs-steps", optimalRequest.lbfgsSteps,
                   "then L-BFGS iterations on one fixed sample (default 300; 0: none)")
      ->check(kInt64);
  optimalCommand
      ->add_option("--lbfgs-samples", optimalRequest.lbfgsSamples,
                   "real and generated samples of that fixed sample, each (default 65536)")
      ->check(kInt64);
  optimalCommand
      ->add_option("--samples", optimalRequest.samples, "samples of G and of the data for p_g (default 10000000)")
      ->check(kInt64);
  optimalCommand->add_option("--seed", optimalRequest.seed, "seed of G's samples")->check(kInt64);
  std::string optimalStart = "checkpoint";
  optimalCommand
      ->add_option("--d-start", optimalStart,
                   "train D from the checkpoint's weights (checkpoint, the default) or its initial ones (fresh)")
      ->check(CLI::IsMember({"fresh", "checkpoint"}));
  optimalCommand->add_flag("--quiet", optimalRequest.quiet, "print nothing");

  ReportRequest reportRequest;
  std::vector<std::string> reportRuns;
  std::string reportOut;
  auto* reportCommand =
      app.add_subcommand("report", "one HTML page of one or more runs: curves, samples over time, D's outputs");
  reportCommand->add_option("--run", reportRuns, "run folder (repeatable: the runs' curves overlaid)")->required();
  reportCommand->add_option("--out", reportOut, "the page to write (.html, self-contained)")->required();
  reportCommand->add_flag("--quiet", reportRequest.quiet, "print nothing");

  auto* show = app.add_subcommand("show", "draw a PNG (e.g. a run's samples/latest.png) in the terminal");
  show->add_option("image", showImage, "PNG or JPEG file")->required();
  show->add_option("--width", showWidth, "at most this many columns")->check(CLI::PositiveNumber);

  StudyRequest studyRequest;
  std::string studyMethodList, studyDatasets = "ring8,grid25";
  std::optional<int64_t> studySteps;
  auto* studyCommand = app.add_subcommand(
      "study", "train and evaluate a published comparison over seeds: mode-collapse (docs/mode-collapse.md)");
  studyCommand->add_option("study", studyRequest.study, "which study: mode-collapse")->required();
  studyCommand->add_option("--out", studyRequest.out, "folder of its runs, results.jsonl and mode-collapse.md")
      ->required();
  studyCommand->add_option("--seeds", studyRequest.seeds, "seeds 1..N per method (the papers': 10)")->check(kInt64);
  auto* studyStepsOption =
      studyCommand->add_option("--steps", studySteps, "training steps per run (default: the presets')")->check(kInt64);
  studyCommand->add_option("--methods", studyMethodList,
                           "comma-separated, default all: " + fmt::format("{}", fmt::join(studyMethods(), ",")));
  studyCommand->add_option("--datasets", studyDatasets, "ring8, grid25 or both (comma-separated)");
  studyCommand->add_flag("--quiet", studyRequest.quiet, "no line per run");
  studyCommand->add_option("--jobs", studyRequest.jobs, "runs trained at once, one process each (the cores shared)");
  std::string studyShard;  // K/N: one worker's share, given by --jobs to its workers
  studyCommand->add_option("--shard", studyShard)->group("");
  auto* presetsCommand = app.add_subcommand("presets", "list the training presets");
  bool markdown = false;
  auto* keysCommand = app.add_subcommand("keys", "list the config keys by section, with their types and defaults");
  keysCommand->add_flag("--markdown", markdown, "as the markdown tables of docs/reference.md");
  std::string listKind;
  auto* listCommand = app.add_subcommand(
      "list",
      "list the members of an extension point: objectives, penalties, rules, models, conditionings, batch-features, "
      "metrics, datasets");
  listCommand->add_option("kind", listKind, "which (default: all)");
  listCommand->add_flag("--markdown", markdown, "as the markdown tables of docs/reference.md");
  std::string infoPreset;
  std::vector<std::string> infoAssignments;
  auto* infoCommand = app.add_subcommand("info", "print the LibTorch build, BLAS, threads and devices");
  infoCommand->add_option("--preset", infoPreset, "show the threads a run of this preset would use");
  infoCommand->add_option("--set", infoAssignments, "with --preset: override a config key (repeatable)");

  try {
    checkCommand(app, argc, argv);
  } catch (const UserError& e) {
    std::cerr << "gantry: error: " << e.what() << "\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gantry: error: " << firstLine(e.what()) << "; run 'gantry --help' for usage\n";
    return 2;
  }

  try {
    refuseEmptyValues(app);
    if (train->parsed()) {
      trainRequest.out = out;
      trainRequest.resume = resume;
      if (stepsOption->count() > 0) trainRequest.steps = steps;
      if (seedOption->count() > 0) trainRequest.seed = seed;
      if (nproc > 1) {
        if (trainRequest.worldSize > 0 || trainRequest.rank >= 0 || !trainRequest.master.empty())
          throw UserError("--nproc starts all ranks on this machine: give it without --rank, --world-size, --master");
        return launchRanks(withoutOption(argc, argv, "--nproc"), nproc);
      }
      return app::train(trainRequest);
    }
    if (sample->parsed()) {
      sampleRequest.run = runDir;
      sampleRequest.out = sampleOut;
      if (sampleLabelOption->count() > 0) sampleRequest.label = sampleLabel;
      if (sampleMemberOption->count() > 0) sampleRequest.member = sampleMember;
      sampleRequest.codes = sampleCodes;
      if ((sampleCountOption->count() > 0) == !sampleCodes.empty())
        throw UserError("gantry sample needs -n COUNT or --z FILE.npy (one of them)");
      return app::sample(sampleRequest);
    }
    if (studyCommand->parsed()) {
      if (studyStepsOption->count() > 0) {
        if (*studySteps < 1) throw UserError("--steps must be at least 1");
        studyRequest.steps = studySteps;
      }
      studyRequest.methods = parseMetricList(studyMethodList);
      studyRequest.datasets = parseMetricList(studyDatasets);
      if (!studyShard.empty()) studyRequest.shard = parseShard(studyShard);
      return app::study(studyRequest);
    }
    if (latentCommand->parsed()) {
      for (auto* command : {interpolateCommand, arithmeticCommand, invertCommand})
        if (command->parsed()) latentRequest.action = command->get_name();
      latentRequest.run = latentRun;
      latentRequest.out = latentOut;
      latentRequest.codes = latentCodes;
      latentRequest.classifier = latentClassifier;
      for (const auto& image : latentImages) latentRequest.images.emplace_back(image);
      for (auto* command : {interpolateCommand, arithmeticCommand, invertCommand}) {
        if (command->parsed() && command->get_option("--label")->count() > 0) latentRequest.label = latentLabel;
        if (command->parsed() && command->get_option("--member")->count() > 0) latentRequest.member = latentMember;
      }
      if (interpolatePool->count() > 0 || arithmeticPool->count() > 0) latentRequest.pool = latentPool;
      return app::latent(latentRequest);
    }
    if (evalCommand->parsed()) {
      evalRequest.run = evalRun;
      evalRequest.samples = evalSamples;
      evalRequest.out = evalOut;
      evalRequest.metrics = parseMetricList(evalMetrics);
      if (evalCountOption->count() > 0) evalRequest.count = evalCount;
      evalRequest.classifier = evalClassifier;
      if (evalLabelOption->count() > 0) evalRequest.label = evalLabel;
      if (evalMemberOption->count() > 0) evalRequest.member = evalMember;
      return app::evaluate(evalRequest);
    }
    if (classifierTrain->parsed()) {
      classifierRequest.out = classifierOut;
      if (classifierEpochsOption->count() > 0) classifierRequest.epochs = classifierEpochs;
      return app::trainClassifier(classifierRequest);
    }
    if (jacobianCommand->parsed()) {
      jacobianRequest.run = jacobianRun;
      jacobianRequest.checkpoint = jacobianCheckpoint;
      jacobianRequest.out = jacobianOut;
      jacobianRequest.from = jacobianFrom;
      return app::jacobian(jacobianRequest);
    }
    if (optimalCommand->parsed()) {
      optimalRequest.run = optimalRun;
      optimalRequest.out = optimalOut;
      for (const auto& c : optimalCheckpoints) optimalRequest.checkpoints.emplace_back(c);
      optimalRequest.freshD = optimalStart == "fresh";
      return app::optimalDiscriminator(optimalRequest);
    }
    if (reportCommand->parsed()) {
      for (const auto& r : reportRuns) reportRequest.runs.emplace_back(r);
      reportRequest.out = reportOut;
      return app::report(reportRequest);
    }
    if (dynamicsCommand->parsed()) {
      if (dynamicsOut.empty()) throw UserError("gantry dynamics needs --out DIR (or the command optimal-d)");
      dynamicsRequest.out = dynamicsOut;
      return app::dynamicsTable(dynamicsRequest);
    }
    if (show->parsed()) {
      std::cout << io::renderForTerminal(io::readRgbImage(showImage), showWidth, ::isatty(STDOUT_FILENO) != 0);
      return 0;
    }
    if (presetsCommand->parsed()) printPresets();
    if (keysCommand->parsed()) printKeys(markdown);
    if (listCommand->parsed()) printList(listKind, markdown);
    if (infoCommand->parsed()) printInfo(infoPreset, infoAssignments);
    return 0;
  } catch (const UserError& e) {
    std::cerr << "gantry: error: " << firstLine(e.what()) << "\n";
    return 2;
  } catch (const c10::Error& e) {
    const std::string what = firstLine(e.what_without_backtrace());
    // The sizes of a config beyond this machine's memory: the user's to change.
    if (auto at = what.find("you tried to allocate"); at != std::string::npos) {
      std::cerr << "gantry: error: out of memory (" << what.substr(at)
                << "); lower the sizes in the config: " << kSizeKeys << "\n";
      return 2;
    }
    // Sizes whose product passes 64 bits (each key is at most 2^31 - 1, a
    // product of three is not): minibatch_kernels x minibatch_kernel_dim.
    if (what.find("size calculation overflowed") != std::string::npos ||
        what.find("cannot be represented as a SymInt") != std::string::npos) {
      std::cerr << "gantry: error: the config's sizes multiply past what a tensor can hold (" << what
                << "); lower them: " << kSizeKeys << "\n";
      return 2;
    }
    std::cerr << "gantry: internal error: " << what << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "gantry: error: out of memory; lower the sizes in the config: " << kSizeKeys << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "gantry: internal error: " << firstLine(e.what()) << "\n";
    return 1;
  }
}

}  // namespace gantry::app
