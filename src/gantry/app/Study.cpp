#include "gantry/app/Study.h"

#include "gantry/app/Commands.h"
#include "gantry/app/Launch.h"
#include "gantry/app/RunFolder.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/report/Report.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

namespace gantry::app {

namespace {

/// One method of the study: settings over the preset, and whether it is
/// judged by the average of G's weights.
struct Method {
  std::string name;
  std::string label;
  std::vector<std::string> settings;
  bool ema = false;
};

/// The methods of issue 18, each against the same preset (PacGAN's 2-d
/// networks and settings); all but PacGAN's own have pack = 1.
const std::vector<Method>& methods() {
  static const std::vector<Method> all = {
      {"gan", "GAN", {"pack=1"}},
      {"minibatch-discrimination",
       "minibatch discrimination (B = 100, C = 5)",
       {"pack=1", "minibatch_kernels=100", "minibatch_kernel_dim=5"}},
      {"minibatch-std", "minibatch std (groups of 4)", {"pack=1", "minibatch_std_group=4"}},
      {"pacgan2", "PacGAN2", {"pack=2"}},
      {"pacgan3", "PacGAN3", {"pack=3"}},
      {"pacgan4", "PacGAN4", {"pack=4"}},
      {"unrolled", "unrolled GAN (K = 5)", {"pack=1", "update=unrolled", "unroll_steps=5"}},
      {"r1", "R1 (gamma = 1)", {"pack=1", "penalty=r1", "penalty_weight=1"}},
      {"consensus", "consensus (gamma = 10)", {"pack=1", "update=consensus", "consensus_weight=10"}},
      {"ema", "EMA of G (0.999)", {"pack=1", "g_ema=0.999"}, true},
  };
  return all;
}

const Method& methodNamed(const std::string& name) {
  for (const auto& m : methods())
    if (m.name == name) return m;
  throw UserError(fmt::format("gantry study: unknown method '{}' in --methods; choose from {}", name,
                              fmt::join(studyMethods(), ", ")));
}

/// Published means (± standard errors) where the papers give them: PacGAN
/// Table 1 (10 runs) and VEEGAN Table 1 (5 runs), from
/// shared/reference/protocols.md.
std::string published(const std::string& dataset, const std::string& method) {
  static const std::map<std::pair<std::string, std::string>, std::string> table = {
      {{"ring8", "gan"}, "6.3 ± 0.5, 98.2%, 0.45 (PacGAN); 1 (VEEGAN)"},
      {{"ring8", "pacgan2"}, "7.9 ± 0.1 (PacGAN)"},
      {{"ring8", "pacgan4"}, "7.8 ± 0.1 (PacGAN)"},
      {{"ring8", "unrolled"}, "7.6, 35.6% (VEEGAN)"},
      {{"grid25", "gan"}, "17.3 ± 0.8, 94.8%, 0.70 (PacGAN); 3.3 (VEEGAN)"},
      {{"grid25", "pacgan4"}, "24.8 ± 0.2, 93.6%, 0.04 (PacGAN)"},
      {{"grid25", "unrolled"}, "23.6, 16% (VEEGAN)"},
  };
  auto it = table.find({dataset, method});
  return it == table.end() ? "" : it->second;
}

struct RunResult {
  std::string dataset, method;
  int64_t seed = 0;
  double modes = 0, highQuality = 0, reverseKl = 0;
  double trainSeconds = 0;  // the run's own wall time over its starts, as its report gives it
  std::filesystem::path run;
};

nlohmann::json toJson(const RunResult& r) {
  return {{"dataset", r.dataset},
          {"method", r.method},
          {"seed", r.seed},
          {"modes", r.modes},
          {"high_quality", r.highQuality},
          {"reverse_kl", r.reverseKl},
          {"train_s", r.trainSeconds},
          {"run", r.run.string()}};
}

/// Trains (or resumes, or reads back) one run and evaluates it.
RunResult runOne(const StudyRequest& request, const std::string& dataset, const Method& method, int64_t seed) {
  RunResult result;
  result.dataset = dataset;
  result.method = method.name;
  result.seed = seed;
  result.run = request.out / "runs" / dataset / method.name / fmt::format("seed-{}", seed);
  const auto evaluation = result.run / "modes.json";
  std::error_code ec;
  // A run there already: trained as far as asked (then read back, or only
  // evaluated when it was stopped before that), or to continue.
  const bool started = std::filesystem::exists(result.run / "config.toml", ec);
  bool toTrain = true;
  if (started) {
    const RunFolder folder{result.run};
    const int64_t wanted = request.steps.value_or(readRunConfig(folder).getInt("steps"));
    const int64_t trained =
        std::filesystem::exists(folder.checkpoint(), ec) ? train::CheckpointReader(folder.checkpoint()).steps() : 0;
    if (trained > wanted)
      throw UserError(
          fmt::format("run {} is at step {}, past the {} steps asked for; give --steps {} or more, or "
                      "another --out",
                      result.run.string(), trained, wanted, trained));
    toTrain = trained < wanted;
  }
  if (toTrain) {
    std::filesystem::remove(evaluation, ec);  // of fewer steps
    TrainRequest train;
    if (started) {
      train.resume = result.run;  // interrupted, or asked for more steps: continue where it stopped
    } else {
      train.preset = dataset + "-pacgan";
      train.out = result.run;
      train.seed = seed;
      train.assignments = method.settings;
      train.assignments.push_back("sample_every=0");
    }
    train.steps = request.steps;
    train.quiet = true;
    if (const int code = app::train(train); code != 0)
      throw UserError(fmt::format("training of {} stopped (exit status {}); the same command resumes the study",
                                  result.run.string(), code));
  }
  if (!std::filesystem::exists(evaluation, ec)) {
    EvalRequest eval;
    eval.run = result.run;
    eval.metrics = {"modes"};
    eval.out = evaluation;
    eval.ema = method.ema;
    eval.quiet = true;
    app::evaluate(eval);
  }
  std::ifstream in(evaluation);
  const auto report = nlohmann::json::parse(in);
  const auto& modes = report.at("metrics").at("modes");
  result.modes = modes.at("modes_captured").get<double>();
  result.highQuality = 100 * modes.at("high_quality_fraction").get<double>();
  result.reverseKl = modes.at("kl_from_uniform").get<double>();
  return result;
}

struct Summary {
  double mean = 0, stderr_ = 0;
};

Summary summarise(const std::vector<double>& values) {
  Summary s;
  const double n = static_cast<double>(values.size());
  for (double v : values) s.mean += v / n;
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - s.mean) * (v - s.mean);
    s.stderr_ = std::sqrt(squares / (n - 1)) / std::sqrt(n);
  }
  return s;
}

std::string cell(const Summary& s, int decimals) {
  return fmt::format("{:.{}f} ± {:.{}f}", s.mean, decimals, s.stderr_, decimals);
}

/// The markdown page: one table per dataset, the typical run's samples.
std::string page(const StudyRequest& request, const std::vector<RunResult>& results,
                 const std::vector<std::string>& methodNames) {
  double hours = 0;
  for (const auto& r : results) hours += r.trainSeconds / 3600;
  std::string md = "# Mode collapse: the stabilisers side by side\n\n";
  md += fmt::format(
      "Written by `gantry study mode-collapse --out {} --seeds {}{}{}{}` ({:.2f} hours of training, the {} runs' own "
      "wall times summed (`train_s` in results.jsonl); runs side by side overlap). Each method is the `DATASET-pacgan` "
      "preset (PacGAN's 2-d networks and settings) with the settings in the table; 2,500 samples per run "
      "(`gantry eval --metrics modes`); mean ± standard error over seeds 1–{}.\n",
      request.out.string(), request.seeds, request.steps ? fmt::format(" --steps {}", *request.steps) : "",
      request.datasets == StudyRequest{}.datasets ? ""
                                                  : fmt::format(" --datasets {}", fmt::join(request.datasets, ",")),
      methodNames.size() == methods().size() ? "" : fmt::format(" --methods {}", fmt::join(methodNames, ",")), hours,
      results.size(), request.seeds);
  for (const auto& dataset : request.datasets) {
    md += fmt::format(
        "\n## {}\n\n| method | settings | modes | % high quality | reverse KL | published |\n"
        "|---|---|---|---|---|---|\n",
        dataset);
    std::string pictures;
    for (const auto& name : methodNames) {
      const auto& method = methodNamed(name);
      std::vector<double> modes, quality, kl;
      std::vector<const RunResult*> runs;
      for (const auto& r : results)
        if (r.dataset == dataset && r.method == name) {
          modes.push_back(r.modes);
          quality.push_back(r.highQuality);
          // Without a high-quality sample there is no histogram over the
          // modes, and no divergence from uniform: such runs are counted apart.
          if (r.modes > 0) kl.push_back(r.reverseKl);
          runs.push_back(&r);
        }
      if (runs.empty()) continue;
      const size_t none = runs.size() - kl.size();
      const std::string klCell =
          (kl.empty() ? std::string("—") : cell(summarise(kl), 2)) +
          (none > 0 ? fmt::format(" ({} of {} runs without a high-quality sample)", none, runs.size()) : "");
      std::sort(runs.begin(), runs.end(), [](auto* a, auto* b) { return a->modes < b->modes; });
      const auto* typical = runs[runs.size() / 2];
      md += fmt::format("| {} | `{}` | {} | {} | {} | {} |\n", method.label, fmt::join(method.settings, " "),
                        cell(summarise(modes), 1), cell(summarise(quality), 1), klCell, published(dataset, name));
      // The run with the median modes: its last picture beside the table.
      const auto picture = request.out / "pictures" / fmt::format("{}-{}.png", dataset, name);
      std::error_code ec;
      std::filesystem::create_directories(picture.parent_path(), ec);
      SampleRequest sample;
      sample.run = typical->run;
      sample.count = 2500;
      sample.out = picture;
      sample.ema = method.ema;
      app::sample(sample);
      pictures += fmt::format("| {} (seed {}, {} modes) | ![{} {}](pictures/{}-{}.png) |\n", method.label,
                              typical->seed, typical->modes, dataset, name, dataset, name);
    }
    md += "\nThe run with the median modes of each method, 2,500 samples:\n\n| method | samples |\n|---|---|\n" +
          pictures;
  }
  return md;
}

/// The arguments of worker k of `request.jobs`: the same study, its shard.
std::vector<std::string> workerArguments(const StudyRequest& request, const std::vector<std::string>& names, int k) {
  std::vector<std::string> arguments = {"study",      request.study,
                                        "--out",      request.out.string(),
                                        "--seeds",    std::to_string(request.seeds),
                                        "--methods",  fmt::format("{}", fmt::join(names, ",")),
                                        "--datasets", fmt::format("{}", fmt::join(request.datasets, ",")),
                                        "--shard",    fmt::format("{}/{}", k, request.jobs)};
  if (request.steps) arguments.insert(arguments.end(), {"--steps", std::to_string(*request.steps)});
  if (request.quiet) arguments.emplace_back("--quiet");
  return arguments;
}

}  // namespace

std::vector<std::string> studyMethods() {
  std::vector<std::string> names;
  for (const auto& m : methods()) names.push_back(m.name);
  return names;
}

int study(const StudyRequest& request) {
  if (request.study != "mode-collapse")
    throw UserError(fmt::format("gantry study: unknown study '{}'; choose mode-collapse", request.study));
  if (request.out.empty()) throw UserError("gantry study needs --out DIR");
  if (request.seeds < 1) throw UserError("--seeds must be at least 1");
  if (request.jobs < 1) throw UserError("--jobs must be at least 1");
  const auto names = request.methods.empty() ? studyMethods() : request.methods;
  for (const auto& name : names) methodNamed(name);  // all known before anything runs
  for (const auto& dataset : request.datasets)
    if (dataset != "ring8" && dataset != "grid25")
      throw UserError(fmt::format("gantry study: --datasets takes ring8 and grid25, not '{}'", dataset));
  // A name twice would count its runs twice in every mean and standard error.
  for (const auto* list : {&names, &request.datasets})
    for (auto it = list->begin(); it != list->end(); ++it)
      if (std::find(list->begin(), it, *it) != it)
        throw UserError(fmt::format("gantry study: --{} names '{}' twice; name each once",
                                    list == &names ? "methods" : "datasets", *it));
  // Workers first, each on its share of the runs; this process then reads
  // them all back for the page.
  const bool workers = request.jobs > 1 && !request.shard;
  if (workers) {
    std::vector<std::vector<std::string>> arguments;
    for (int k = 0; k < request.jobs; ++k) arguments.push_back(workerArguments(request, names, k));
    if (const int code = superviseProcesses(arguments, shareEnvironment(request.jobs), [&](size_t k) {
          return fmt::format("study worker {} of {}", k + 1, request.jobs);
        }))
      return code;
  }
  std::vector<RunResult> results;
  std::string lines;
  size_t index = 0;
  for (const auto& dataset : request.datasets)
    for (const auto& name : names)
      for (int64_t seed = 1; seed <= request.seeds; ++seed, ++index) {
        if (request.shard && static_cast<int>(index % request.shard->second) != request.shard->first) continue;
        auto r = runOne(request, dataset, methodNamed(name), seed);
        if (!request.quiet && !workers)  // the workers said each of theirs
          std::cout << fmt::format("{} {} seed {}: {} modes, {:.1f}% high quality, reverse KL {:.3f}\n", dataset, name,
                                   seed, r.modes, r.highQuality, r.reverseKl)
                    << std::flush;
        if (request.shard) continue;  // the page is the parent's, from all the runs
        // The run's own time, not this invocation's: a study is resumed
        // across starts, and a run read back costs nothing now.
        r.trainSeconds = report::runData(r.run, "run").at("facts").value("wall_s", 0.0);
        lines += toJson(r).dump() + "\n";
        results.push_back(std::move(r));
      }
  if (request.shard) return 0;
  writeFileAtomic(request.out / "results.jsonl", lines);
  writeFileAtomic(request.out / "mode-collapse.md", page(request, results, names));
  if (!request.quiet) std::cout << "wrote " << (request.out / "mode-collapse.md").string() << "\n";
  return 0;
}

}  // namespace gantry::app
