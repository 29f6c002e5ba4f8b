// Population training from the command line: `population = N` trains N
// GANs in one process, each evaluated and sampled as a run of its own.
#include "gantry/io/Npy.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

std::vector<nlohmann::json> evalLines(const std::filesystem::path& metrics) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("eval")) lines.push_back(j);
  }
  return lines;
}

const std::string kShort =
    " --steps 200 --set log_every=50 --set checkpoint_every=0 --set sample_every=0 --set eval_every=100 "
    "--set eval_metrics=modes --set eval_samples=500 --quiet";

}  // namespace

TEST(PopulationCliTest, EachMemberIsEvaluatedAndSampledAsTheRunOfItsSeed) {
  TempDir dir;
  const auto population = dir / "population";
  auto r = runGantry("train --preset ring8 --seed 4 --set population=3" + kShort + " --out " + quoted(population));
  ASSERT_EQ(r.exitCode, 0) << r.err;

  // Steps 100 and 200: a line per member, then the population's means and
  // standard errors of the members' figures.
  auto lines = evalLines(population / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 8u);
  for (size_t at = 0; at < lines.size(); at += 4) {
    std::vector<double> modes;
    for (int64_t n = 0; n < 3; ++n) {
      EXPECT_EQ(lines[at + n]["member"], n);
      modes.push_back(lines[at + n]["eval"]["modes"]["modes_captured"].get<double>());
    }
    const auto& summary = lines[at + 3];
    EXPECT_FALSE(summary.contains("member"));
    EXPECT_EQ(summary["members"], 3);
    const double mean = (modes[0] + modes[1] + modes[2]) / 3;
    double squares = 0;
    for (double m : modes) squares += (m - mean) * (m - mean);
    EXPECT_NEAR(summary["eval"]["modes"]["modes_captured"].get<double>(), mean, 1e-12);
    EXPECT_NEAR(summary["eval_se"]["modes"]["modes_captured"].get<double>(), std::sqrt(squares / 2 / 3), 1e-12);
  }

  // Member 1 is the run of seed 5, through checkpoints and sampling.
  const auto single = dir / "single";
  r = runGantry("train --preset ring8 --seed 5" + kShort + " --out " + quoted(single));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = runGantry("sample --run " + quoted(population) + " --member 1 -n 300 --out " + quoted(dir / "member.npy"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto own = gantry::test::samplesOf(single, dir / "single.npy", 300);
  EXPECT_TRUE(torch::equal(gantry::io::readNpy(dir / "member.npy"), own));

  // gantry eval: each member, then the means and standard errors.
  r = runGantry("eval --run " + quoted(population) + " --metrics modes --out " + quoted(dir / "e.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("means of 3 members"), std::string::npos) << r.out;
  auto report = nlohmann::json::parse(gantry::test::readFile(dir / "e.json"));
  ASSERT_EQ(report["members"].size(), 3u);
  double sum = 0;
  for (const auto& member : report["members"]) sum += member["modes"]["high_quality_fraction"].get<double>();
  EXPECT_NEAR(report["metrics"]["modes"]["high_quality_fraction"].get<double>(), sum / 3, 1e-12);
  EXPECT_TRUE(report["metrics_se"]["modes"].contains("high_quality_fraction"));
  r = runGantry("eval --run " + quoted(population) + " --member 1 --metrics modes --out " + quoted(dir / "e1.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(gantry::test::readFile(dir / "e1.json"))["metrics"], report["members"][1]);
  r = runGantry("eval --run " + quoted(single) + " --metrics modes --out " + quoted(dir / "es.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(gantry::test::readFile(dir / "es.json"))["metrics"], report["members"][1])
      << "member 1's evaluation is the run's";

  // A member must be named where one GAN is drawn, and exist.
  expectOneLineError(runGantry("sample --run " + quoted(population) + " -n 5 --out " + quoted(dir / "x.npy")),
                     "--member 0..2");
  expectOneLineError(
      runGantry("sample --run " + quoted(population) + " --member 3 -n 5 --out " + quoted(dir / "x.npy")),
      "--member 3");
  expectOneLineError(runGantry("sample --run " + quoted(single) + " --member 0 -n 5 --out " + quoted(dir / "x.npy")),
                     "population = 1");
  // The latent tools take --member too; the dynamics tools read one GAN's
  // two players and refuse a population.
  expectOneLineError(
      runGantry("latent interpolate --run " + quoted(population) + " --points 0:0,0:1 --out " + quoted(dir / "l.png")),
      "--member 0..2");
  expectOneLineError(runGantry("latent interpolate --run " + quoted(population) +
                               " --member 1 --points 0:0,0:1 --out " + quoted(dir / "l.png")),
                     "works on images");
  expectOneLineError(runGantry("jacobian --run " + quoted(population) + " --out " + quoted(dir / "j.json")),
                     "population of 3 GANs");
}

TEST(PopulationCliTest, WhatMembersCannotTrainApartIsOneLineBeforeAnyRun) {
  TempDir dir;
  const std::string out = " --steps 5 --quiet --out " + quoted(dir / "r");
  auto refused = [&](const std::string& args, const std::string& needle) {
    expectOneLineError(runGantry("train " + args + out), needle);
    EXPECT_FALSE(std::filesystem::exists(dir / "r")) << args;
  };
  refused("--preset ring8 --set population=2 --set objective=ragan", "objective = ragan");
  refused("--preset ring8 --set population=2 --set update=unrolled", "update = unrolled");
  refused("--preset ring8 --set population=2 --set feature_matching=true", "feature_matching");
  refused("--preset ring8 --set population=2 --set d_hidden_keep=0.5", "d_hidden_keep");
  refused("--preset ring8 --set population=2 --set pack=2", "pack = 1");
  refused("--preset ring8 --set population=2 --set conditional=concat", "conditional = none");
  refused("--preset dirac --set population=2", "model = dirac");
  refused("--preset ring8 --set population=2 --nproc 2", "population = 1");
  refused("--preset ring8 --set population=0", "population");
  refused("--preset ring8 --set population=3 --set sweep_lr_d=1e-4,1e-3", "not a multiple of the sweep's 2 settings");
  refused(
      "--preset ring8 --set population=2 --set sweep_lr_d=1e-4,1e-3 --set sweep_lr_g=1e-4,2e-4,3e-4 --set "
      "sweep=list",
      "equal lengths");
}

TEST(PopulationCliTest, ASweepsMembersAreEvaluatedAndSummedUpPerSetting) {
  TempDir dir;
  const auto run = dir / "sweep";
  auto r = runGantry("train --preset ring8 --seed 4 --set population=4 --set sweep_lr_d=2e-4,1e-3" + kShort +
                     " --out " + quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::vector<double> rates = {2e-4, 1e-3};
  auto lines = evalLines(run / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 10u);  // steps 100 and 200: four members, then the population
  for (size_t at = 0; at < lines.size(); at += 5) {
    std::vector<double> sums(2, 0.0);
    for (int64_t n = 0; n < 4; ++n) {
      const auto& setting = lines[at + n]["setting"];
      EXPECT_EQ(setting["seed"], 4 + n / 2) << "every setting trains from the same seeds";
      EXPECT_EQ(setting["lr_d"].get<double>(), rates[n % 2]);
      sums[n % 2] += lines[at + n]["eval"]["modes"]["modes_captured"].get<double>();
    }
    const auto& settings = lines[at + 4]["settings"];
    ASSERT_EQ(settings.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(settings[i]["setting"]["lr_d"].get<double>(), rates[i]);
      EXPECT_FALSE(settings[i]["setting"].contains("seed"));
      EXPECT_EQ(settings[i]["members"], 2);
      EXPECT_NEAR(settings[i]["eval"]["modes"]["modes_captured"].get<double>(), sums[i] / 2, 1e-12);
    }
  }

  r = runGantry("eval --run " + quoted(run) + " --metrics modes --out " + quoted(dir / "e.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("lr_d 0.0002"), std::string::npos) << r.out;
  auto report = nlohmann::json::parse(gantry::test::readFile(dir / "e.json"));
  ASSERT_EQ(report["settings"].size(), 2u);
  ASSERT_EQ(report["member_settings"].size(), 4u);
  const double pair = (report["members"][1]["modes"]["high_quality_fraction"].get<double>() +
                       report["members"][3]["modes"]["high_quality_fraction"].get<double>()) /
                      2;
  EXPECT_NEAR(report["settings"][1]["metrics"]["modes"]["high_quality_fraction"].get<double>(), pair, 1e-12);
}

TEST(PopulationCliTest, RollbackSlowsOnlyTheDivergedMemberAndTheOthersStayTheirSeedsRuns) {
  // Member 0 trains ring8 at SGD's 1e-3, member 1 at 1e3, from the same
  // seed: member 1 diverges within the first 10 steps. The rollback (to the
  // start: no checkpoint yet) takes member 1's rates alone to 1e3 * 1e-6.
  TempDir dir;
  const std::string sgd = " --set optimizer=sgd --set log_every=10 --set checkpoint_every=20";
  const std::string rollback = " --set on_divergence=rollback --set divergence_lr_factor=1e-6";
  const auto population = dir / "population";
  auto r = runGantry(
      "train --preset ring8 --seed 4 --set population=2 --set sweep=list --set sweep_lr_d=1e-3,1e3 "
      "--set sweep_lr_g=1e-3,1e3" +
      kShort + sgd + rollback + " --out " + quoted(population));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("rolled back to step 0 with the rates of member 1 times 1e-06 (rollback 1 of at most 3)"),
            std::string::npos)
      << r.err;
  const auto config = gantry::test::readFile(population / "config.toml");
  EXPECT_NE(config.find("member_lr_factors = [1.0, 1e-06]"), std::string::npos) << config;

  // Member 0 is the run of seed 4 at 1e-3, which never diverged; member 1
  // is the run of seed 4 at 1e3 that rolled back alone.
  const auto calm = dir / "calm";
  r = runGantry("train --preset ring8 --seed 4 --set lr_d=1e-3 --set lr_g=1e-3" + kShort + sgd + " --out " +
                quoted(calm));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto wild = dir / "wild";
  r = runGantry("train --preset ring8 --seed 4 --set lr_d=1e3 --set lr_g=1e3" + kShort + sgd + rollback + " --out " +
                quoted(wild));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("rolled back to step 0 with lr_g 1000 -> 0.001"), std::string::npos) << r.err;
  for (const auto& [member, single] : {std::pair{0, calm}, std::pair{1, wild}}) {
    const auto drawn = dir / ("member" + std::to_string(member) + ".npy");
    r = runGantry("sample --run " + quoted(population) + " --member " + std::to_string(member) + " -n 300 --out " +
                  quoted(drawn));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(torch::equal(gantry::io::readNpy(drawn), gantry::test::samplesOf(single, dir / "s.npy", 300)))
        << "member " << member;
  }

  // The evaluations name each member's rates; the slowed member is a
  // setting of its own.
  auto lines = evalLines(population / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 6u);  // steps 100 and 200: two members, then the population
  EXPECT_EQ(lines[1]["setting"]["lr_d"].get<double>(), 1e3 * 1e-6);
  EXPECT_EQ(lines[1]["setting"]["lr_factor"].get<double>(), 1e-6);
  EXPECT_FALSE(lines[0]["setting"].contains("lr_factor"));
  EXPECT_EQ(lines[2]["settings"].size(), 2u);

  // It resumes at those rates; a factor list of the wrong length is one line.
  r = runGantry("train --resume " + quoted(population) + " --steps 220 --quiet");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  expectOneLineError(
      runGantry("train --preset ring8 --set population=3 --set member_lr_factors=1,0.5 --out " + quoted(dir / "bad")),
      "'member_lr_factors' has 2 entries for a population of 3");
}
