// gantry study mode-collapse: its runs, its table's means and standard
// errors recomputed from results.jsonl, reading finished runs back, and
// bad requests refused before anything runs.
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
  for (const char* name : {"a", "b", "c"}) EXPECT_FALSE(std::filesystem::exists(dir / name)) << name;
}
