// Every objective, end to end through the command line: the toy presets
// with their defaults (and their settings for that objective, see
// `gantry presets`). A 2-d toy GAN's trajectory is chaotic (other OpenBLAS
// kernels, other rounding, another outcome), and so is its coverage from one
// evaluation to the next, so ring8's bar is a property over seeds and over
// the end of each run: at least 2 of seeds 1-3 meet it in most of their last
// five evaluations.
#include "gantry/io/Npy.h"
#include "gantry/objectives/Objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::runCommand;
using gantry::test::TempDir;

namespace {

gantry::test::CommandResult trainToy(const std::string& preset, const std::string& objective, int seed,
                                     const std::filesystem::path& run, const std::string& extra = "") {
  return runCommand(std::string(GANTRY_BIN) + " train --preset " + preset + " --seed " + std::to_string(seed) +
                    " --quiet --set objective=" + objective + " --out " + quoted(run) + extra);
}

constexpr int kSeeds = 3;
constexpr int kNeeded = 2;

class ObjectiveTrainingTest : public ::testing::TestWithParam<std::string> {};

// Runs another test already trains: the preset's own game (CliTest), and
// fgan-gan, whose gradients are fgan-js's (FGanObjectiveTest), so that its
// runs are fgan-js's to the bit.
std::string trainedElsewhere(const std::string& objective, const std::string& cliTest) {
  if (objective == "nonsaturating") return "the preset's own game: " + cliTest + " trains the same runs";
  if (objective == "fgan-gan") return "the same gradients as fgan-js, hence the same runs (FGanObjectiveTest)";
  return "";
}

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name)
    if (c == '-') c = '_';
  return name;
}

}  // namespace

TEST_P(ObjectiveTrainingTest, Gaussian1dLearnsMeanAndStd) {
  if (auto why = trainedElsewhere(GetParam(), "CliTest.Gaussian1dLearnsMeanAndStd"); !why.empty()) GTEST_SKIP() << why;
  // Seed 1, with a margin. Measured over seeds 1-5 with OPENBLAS_CORETYPE=
  // Haswell set and unset: most objectives stay within 0.05 of the mean and
  // 0.1 of the std on every seed and kernel; wgan misses the bar on seeds 2
  // and 4 (mean 3.76-4.20; the kernels alone move it by up to 0.36),
  // fgan-neyman on seeds 3 and 5 (std 0.27-0.31), fgan-pearson once (std
  // 0.28); rsgan and ragan were measured on seed 1 only. Seed 1 is inside
  // the bar by at least 0.07 for every objective on both kernels: this
  // checks that a change does not move that run out, not that every seed
  // trains (ring8 below is asserted over seeds).
  TempDir dir;
  auto train = trainToy("gaussian1d", GetParam(), 1, dir / "run");
  ASSERT_EQ(train.exitCode, 0) << train.err;
  auto sample = runCommand(std::string(GANTRY_BIN) + " sample --run " + quoted(dir / "run") + " -n 10000 --out " +
                           quoted(dir / "s.npy"));
  ASSERT_EQ(sample.exitCode, 0) << sample.err;
  auto x = gantry::io::readNpy(dir / "s.npy").to(torch::kFloat64);
  double mean = x.mean().item<double>(), std = x.std().item<double>();
  std::cout << "[ figures  ] " << GetParam() << " gaussian1d: mean " << mean << ", std " << std << "\n";
  EXPECT_NEAR(mean, 4.0, 0.15);
  EXPECT_NEAR(std, 0.5, 0.15);
}

TEST_P(ObjectiveTrainingTest, Ring8CoversAtLeastSixModesWithHighQuality) {
  if (auto why = trainedElsewhere(GetParam(), "CliTest.Ring8CoversItsModes"); !why.empty()) GTEST_SKIP() << why;
  // A generator smeared over the circle captures every mode with few
  // high-quality samples (uniform on the circle: about 8%), hence both bars.
  // The clipped critic of wgan keeps its samples spread around the modes,
  // the blur WGAN-GP set out to fix: its bar is lower, still twice a
  // smeared generator's, and its learning rate (5e-5) 20 times the others'
  // lower, so it trains the preset's 10,000 steps; the others 7,000.
  //
  // The bar, on the evaluations of the run's last 2,000 steps (every 500,
  // 2,500 samples from fixed noise): 3 of the 5 meet it. Measured with
  // OPENBLAS_CORETYPE=Haswell set and unset, seeds 1-3 (docs/objectives.md):
  // at 7,000 steps one run of the 78 of the other objectives had fewer than
  // 3 (fgan-tv, Haswell, seed 1: 2), while the single evaluation at step
  // 7,000 missed the bar in 2 of them (at 6,000: 7); with the window ending
  // at 6,000 steps three runs had fewer than 3. wgan at 10,000 steps: seeds
  // 1 and 2 met its bar in 5 of 5 on both kernels, seed 3 in none.
  const bool wgan = GetParam() == "wgan";
  const double quality = wgan ? 0.15 : 0.4;
  const int steps = wgan ? 10000 : 7000;
  auto trial = [&](int seed) {
    TempDir dir;
    auto train = trainToy(
        "ring8", GetParam(), seed, dir / "run",
        " --steps " + std::to_string(steps) + " --set eval_every=500 --set eval_samples=2500 --set eval_metrics=modes");
    EXPECT_EQ(train.exitCode, 0) << train.err;
    if (train.exitCode != 0) return false;
    int met = 0, evaluations = 0;
    std::string figures;
    std::istringstream lines(gantry::test::readFile(dir / "run" / "metrics.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      auto record = nlohmann::json::parse(line);
      if (!record.contains("eval") || record["step"].get<int>() < steps - 2000) continue;
      const auto& modes = record["eval"]["modes"];
      const auto captured = modes["modes_captured"].get<int64_t>();
      const auto high = modes["high_quality_fraction"].get<double>();
      ++evaluations;
      met += captured >= 6 && high >= quality;
      figures += " " + std::to_string(captured) + "/" + std::to_string(high).substr(0, 4);
    }
    std::cout << "[ figures  ] " << GetParam() << " ring8 seed " << seed << ", modes/high quality at steps "
              << steps - 2000 << "-" << steps << ":" << figures << "\n";
    EXPECT_EQ(evaluations, 5) << "an evaluation every 500 steps";
    return met >= 3;
  };
  EXPECT_GE(gantry::test::seedsMeetingBar(kNeeded, kSeeds, trial), kNeeded)
      << "at least 6 modes with " << quality << " high quality in 3 of the last 5 evaluations in fewer than " << kNeeded
      << " of " << kSeeds << " seeds";
}

INSTANTIATE_TEST_SUITE_P(Objectives, ObjectiveTrainingTest, ::testing::ValuesIn(gantry::objectives::objectiveNames()),
                         testName);
