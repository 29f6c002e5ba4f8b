// Every objective, end to end through the command line: the toy presets
// with their defaults (and their settings for that objective, see
// `gantry presets`), default steps. A 2-d toy GAN's trajectory is chaotic
// (other OpenBLAS kernels, other rounding, another outcome), so ring8's bar
// is a property over seeds: at least 2 of seeds 1-3 meet it.
#include "gantry/io/Npy.h"
#include "gantry/objectives/Objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::runCommand;
using gantry::test::TempDir;

namespace {

gantry::test::CommandResult trainToy(const std::string& preset, const std::string& objective, int seed,
                                     const std::filesystem::path& run) {
  return runCommand(std::string(GANTRY_BIN) + " train --preset " + preset + " --seed " + std::to_string(seed) +
                    " --quiet --set objective=" + objective + " --out " + quoted(run));
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
  // the blur WGAN-GP set out to fix (seeds 1-3: 27%, 37%, -; with
  // OPENBLAS_CORETYPE=Haswell 17%, 43%, 2%): its bar is lower, still twice a
  // smeared generator's.
  const double quality = GetParam() == "wgan" ? 0.15 : 0.4;
  auto trial = [&](int seed) {
    TempDir dir;
    auto train = trainToy("ring8", GetParam(), seed, dir / "run");
    EXPECT_EQ(train.exitCode, 0) << train.err;
    auto eval = runCommand(std::string(GANTRY_BIN) + " eval --run " + quoted(dir / "run") + " --metrics modes --out " +
                           quoted(dir / "modes.json"));
    EXPECT_EQ(eval.exitCode, 0) << eval.err;
    if (train.exitCode != 0 || eval.exitCode != 0) return false;
    auto modes = nlohmann::json::parse(gantry::test::readFile(dir / "modes.json"))["metrics"]["modes"];
    std::cout << "[ figures  ] " << GetParam() << " ring8 seed " << seed << ": " << modes["modes_captured"]
              << " of 8 modes, " << modes["high_quality_fraction"] << " high quality\n";
    return modes["modes_captured"].get<int64_t>() >= 6 && modes["high_quality_fraction"].get<double>() >= quality;
  };
  EXPECT_GE(gantry::test::seedsMeetingBar(kNeeded, kSeeds, trial), kNeeded)
      << "at least 6 modes with " << quality << " high quality in fewer than " << kNeeded << " of " << kSeeds
      << " seeds";
}

INSTANTIATE_TEST_SUITE_P(Objectives, ObjectiveTrainingTest, ::testing::ValuesIn(gantry::objectives::objectiveNames()),
                         testName);
