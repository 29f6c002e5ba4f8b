// gantry study mode-collapse: its runs, its table's means and standard
// errors recomputed from results.jsonl, reading finished runs back, and
// bad requests refused before anything runs.
#include "gantry/train/Checkpoint.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::readFile;
using gantry::test::runGantry;
using gantry::test::TempDir;

TEST(StudyCliTest, TablesMeanAndStandardErrorOfItsRunsAndReadsThemBack) {
  TempDir dir;
  const std::string command =
      "study mode-collapse --seeds 3 --steps 20 --methods gan,pacgan2 --datasets ring8 "
      "--quiet --out " +
      quoted(dir / "s");
  auto r = runGantry(command);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::map<std::string, std::vector<double>> modes;
  double trainSeconds = 0;
  std::ifstream in(dir / "s" / "results.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("dataset"), "ring8");
    modes[j.at("method").get<std::string>()].push_back(j.at("modes").get<double>());
    // Each run is a run folder with its evaluation.
    EXPECT_TRUE(std::filesystem::exists(j.at("run").get<std::string>() + "/modes.json"));
    EXPECT_GT(j.at("train_s").get<double>(), 0);
    trainSeconds += j.at("train_s").get<double>();
  }
  ASSERT_EQ(modes["gan"].size(), 3u);
  ASSERT_EQ(modes["pacgan2"].size(), 3u);
  const auto page = readFile(dir / "s" / "mode-collapse.md");
  for (const auto& [method, values] : modes) {
    double mean = 0, squares = 0;
    for (double v : values) mean += v / 3;
    for (double v : values) squares += (v - mean) * (v - mean);
    const double se = std::sqrt(squares / 2) / std::sqrt(3.0);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.1f ± %.1f", mean, se);
    EXPECT_NE(page.find(expected), std::string::npos) << method << ": " << expected << "\n" << page;
    EXPECT_TRUE(std::filesystem::exists(dir / "s" / "pictures" / ("ring8-" + method + ".png")));
  }
  EXPECT_NE(page.find("7.9 ± 0.1 (PacGAN)"), std::string::npos);  // the published PacGAN2 row beside it
  // The time stated is the runs' own, summed.
  char hours[64];
  std::snprintf(hours, sizeof hours, "(%.2f hours of training, the 6 runs'", trainSeconds / 3600);
  EXPECT_NE(page.find(hours), std::string::npos) << hours << "\n" << page;
  EXPECT_NE(page.find("--datasets ring8 --methods gan,pacgan2`"), std::string::npos) << page;

  // Again: every run is read back, nothing is trained, the same page, its
  // time included (the runs' own, not this invocation's).
  auto again = runGantry(command);
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_EQ(readFile(dir / "s" / "mode-collapse.md"), page);
}

TEST(StudyCliTest, AnUnknownMethodOrDatasetIsOneLineBeforeAnyRun) {
  TempDir dir;
  expectOneLineError(runGantry("study mode-collapse --methods gan,wgan --out " + quoted(dir / "a")),
                     "unknown method 'wgan'");
  expectOneLineError(runGantry("study mode-collapse --datasets mnist --out " + quoted(dir / "b")), "ring8 and grid25");
  expectOneLineError(runGantry("study collapse --out " + quoted(dir / "c")), "choose mode-collapse");
  // A name twice would count its runs twice in each mean.
  expectOneLineError(runGantry("study mode-collapse --methods gan,gan --out " + quoted(dir / "d")),
                     "--methods names 'gan' twice");
  expectOneLineError(runGantry("study mode-collapse --datasets ring8,ring8 --out " + quoted(dir / "e")),
                     "--datasets names 'ring8' twice");
  for (const char* name : {"a", "b", "c", "d", "e"}) EXPECT_FALSE(std::filesystem::exists(dir / name)) << name;
}

TEST(StudyCliTest, ARunStoppedBeforeItsEvaluationOrAskedForMoreStepsGoesOn) {
  TempDir dir;
  auto command = [&](int steps) {
    return "study mode-collapse --seeds 1 --steps " + std::to_string(steps) +
           " --methods gan --datasets ring8 --quiet --out " + quoted(dir / "s");
  };
  const auto run = dir / "s" / "runs" / "ring8" / "gan" / "seed-1";
  ASSERT_EQ(runGantry(command(20)).exitCode, 0);
  // Stopped after training, before the evaluation was written: only the
  // evaluation is left to do, and the checkpoint stays as it was.
  const auto checkpoint = gantry::test::readFile(run / "checkpoint.pt");
  std::filesystem::remove(run / "modes.json");
  auto evaluated = runGantry(command(20));
  ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
  EXPECT_TRUE(std::filesystem::exists(run / "modes.json"));
  EXPECT_EQ(gantry::test::readFile(run / "checkpoint.pt"), checkpoint);
  // More steps: the run trains on to them and is evaluated again; fewer
  // than it has: one line.
  const auto evaluatedAt = std::filesystem::last_write_time(run / "modes.json");
  auto longer = runGantry(command(40));
  ASSERT_EQ(longer.exitCode, 0) << longer.err;
  EXPECT_EQ(gantry::train::CheckpointReader(run / "checkpoint.pt").steps(), 40);
  EXPECT_GT(std::filesystem::last_write_time(run / "modes.json"), evaluatedAt);
  expectOneLineError(runGantry(command(30)), "is at step 40, past the 30 steps asked for");
}

TEST(StudyCliTest, JobsShareTheRunsAmongWorkersAndEachRunIsTheOneAProcessAloneTrains) {
  TempDir dir;
  gantry::test::ScopedEnv oneThread("OMP_NUM_THREADS", "1");  // the workers' threads, for the run alone too
  const std::string study = "study mode-collapse --seeds 2 --steps 20 --methods gan,pacgan2 --datasets ring8 --out ";
  auto shared = runGantry(study + quoted(dir / "jobs") + " --jobs 2");
  ASSERT_EQ(shared.exitCode, 0) << shared.err;
  auto alone = runGantry(study + quoted(dir / "alone") + " --quiet");
  ASSERT_EQ(alone.exitCode, 0) << alone.err;
  // One line per run, said by the worker that trained it, and the page.
  for (const char* run : {"ring8 gan seed 1:", "ring8 gan seed 2:", "ring8 pacgan2 seed 1:", "ring8 pacgan2 seed 2:"}) {
    const auto first = shared.out.find(run);
    EXPECT_NE(first, std::string::npos) << run << "\n" << shared.out;
    EXPECT_EQ(shared.out.find(run, first + 1), std::string::npos) << run << "\n" << shared.out;
  }
  EXPECT_NE(shared.out.find("mode-collapse.md"), std::string::npos);
  // The same runs, figure for figure, in the same order.
  std::ifstream a(dir / "jobs" / "results.jsonl"), b(dir / "alone" / "results.jsonl");
  std::string lineA, lineB;
  int lines = 0;
  while (std::getline(a, lineA)) {
    ASSERT_TRUE(std::getline(b, lineB));
    auto x = nlohmann::json::parse(lineA), y = nlohmann::json::parse(lineB);
    for (const char* key : {"dataset", "method", "seed", "modes", "high_quality", "reverse_kl"})
      EXPECT_EQ(x.at(key), y.at(key)) << key << ": " << lineA << " / " << lineB;
    ++lines;
  }
  EXPECT_EQ(lines, 4);

  // A worker's share: runs 1 and 3 of the table's order (the second seed of
  // each method) of the two, and no page.
  auto worker = runGantry(study + quoted(dir / "one") + " --shard 1/2 --quiet");
  ASSERT_EQ(worker.exitCode, 0) << worker.err;
  for (const char* method : {"gan", "pacgan2"}) {
    EXPECT_FALSE(std::filesystem::exists(dir / "one" / "runs" / "ring8" / method / "seed-1")) << method;
    EXPECT_TRUE(std::filesystem::exists(dir / "one" / "runs" / "ring8" / method / "seed-2" / "modes.json")) << method;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "one" / "mode-collapse.md"));

  expectOneLineError(runGantry(study + quoted(dir / "bad") + " --jobs 0"), "--jobs must be at least 1");
  expectOneLineError(runGantry(study + quoted(dir / "bad") + " --shard 2/2"), "--shard takes K/N");
}
