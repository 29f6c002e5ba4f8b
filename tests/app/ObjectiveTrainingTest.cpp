// Every objective, end to end through the command line: the toy presets
// with their defaults (and their settings for that objective, see
// `gantry presets`), seed 1, default steps.
#include "gantry/io/Npy.h"
#include "gantry/objectives/Objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "TestSupport.h"

using gantry::test::runCommand;
using gantry::test::TempDir;

namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

gantry::test::CommandResult trainToy(const std::string& preset, const std::string& objective,
                                     const std::filesystem::path& run) {
  return runCommand(std::string(GANTRY_BIN) + " train --preset " + preset +
                    " --seed 1 --quiet --set objective=" + objective + " --out " + quoted(run));
}

class ObjectiveTrainingTest : public ::testing::TestWithParam<std::string> {};

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name)
    if (c == '-') c = '_';
  return name;
}

}  // namespace

TEST_P(ObjectiveTrainingTest, Gaussian1dLearnsMeanAndStd) {
  TempDir dir;
  auto train = trainToy("gaussian1d", GetParam(), dir / "run");
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

TEST_P(ObjectiveTrainingTest, Ring8CoversAtLeastSixModes) {
  TempDir dir;
  auto train = trainToy("ring8", GetParam(), dir / "run");
  ASSERT_EQ(train.exitCode, 0) << train.err;
  auto eval = runCommand(std::string(GANTRY_BIN) + " eval --run " + quoted(dir / "run") + " --metrics modes --out " +
                         quoted(dir / "modes.json"));
  ASSERT_EQ(eval.exitCode, 0) << eval.err;
  auto modes = nlohmann::json::parse(gantry::test::readFile(dir / "modes.json"))["metrics"]["modes"];
  std::cout << "[ figures  ] " << GetParam() << " ring8: " << modes["modes_captured"] << " of 8 modes, "
            << modes["high_quality_fraction"] << " high quality\n";
  EXPECT_GE(modes["modes_captured"].get<int64_t>(), 6);
}

INSTANTIATE_TEST_SUITE_P(Objectives, ObjectiveTrainingTest, ::testing::ValuesIn(gantry::objectives::objectiveNames()),
                         testName);
