// The stabilisers through the command line: every one trains a short run,
// sampling from the average of G's weights, exact resume with it, and the
// settings that do not go together refused in one line.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "TestSupport.h"
#include "gantry/io/Npy.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

std::string ring8(const std::filesystem::path& out, const std::string& settings, int steps = 40) {
  return "train --preset ring8 --quiet --set sample_every=0 --set checkpoint_every=20 --steps " +
         std::to_string(steps) + " " + settings + " --out " + quoted(out);
}

}  // namespace

TEST(StabiliserCliTest, EachStabiliserTrainsUnderTheRulesThatTreatDDifferently) {
  // Alternating steps; the unrolled rule, which evaluates D at parameters
  // of its own; the simultaneous one, from one forward pass.
  TempDir dir;
  const std::vector<std::string> runs = {
      "--set minibatch_kernels=20",
      "--set minibatch_std_group=4",
      "--set pack=2",
      "--set feature_matching=true",
      "--set g_ema=0.99",
      "--set pack=4 --set minibatch_std_group=4 --set minibatch_kernels=5 --set update=unrolled --set unroll_steps=2",
      "--set pack=2 --set feature_matching=true --set update=simultaneous"};
  int i = 0;
  for (const auto& s : runs) {
    const auto run = dir / ("r" + std::to_string(i++));
    auto r = runGantry(ring8(run, s, 20) + " --set sample_count=1000");
    EXPECT_EQ(r.exitCode, 0) << s << ": " << r.err;
    auto x = gantry::test::samplesOf(run, dir / "x.npy", 100);
    ASSERT_TRUE(x.defined()) << s;
    EXPECT_TRUE(torch::isfinite(x).all().item<bool>()) << s;
  }
}

TEST(StabiliserCliTest, TheAverageSamplesOtherwiseAndResumesBitForBit) {
  TempDir dir;
  ASSERT_EQ(runGantry(ring8(dir / "whole", "--set g_ema=0.9")).exitCode, 0);
  ASSERT_EQ(runGantry(ring8(dir / "half", "--set g_ema=0.9", 20)).exitCode, 0);
  auto resumed = runGantry("train --resume " + quoted(dir / "half") + " --steps 40 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  auto sample = [&](const std::string& run, const std::string& flag) {
    auto out = dir / (run + std::to_string(flag.size()) + ".npy");
    auto r = runGantry("sample --run " + quoted(dir / run) + " -n 200 --seed 3 " + flag + " --out " + quoted(out));
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return gantry::io::readNpy(out);
  };
  auto whole = sample("whole", "--ema"), half = sample("half", "--ema"), raw = sample("whole", "");
  EXPECT_TRUE(torch::equal(whole, half));
  EXPECT_GT((whole - raw).abs().max().item<double>(), 1e-3);  // the average is not the last iterate

  ASSERT_EQ(runGantry(ring8(dir / "plain", "", 20)).exitCode, 0);
  expectOneLineError(runGantry("sample --run " + quoted(dir / "plain") + " -n 5 --ema --out " + quoted(dir / "p.npy")),
                     "g_ema = 0");
  expectOneLineError(
      runGantry("eval --run " + quoted(dir / "plain") + " --metrics modes --ema --out " + quoted(dir / "p.json")),
      "g_ema = 0");
}

TEST(StabiliserCliTest, SettingsThatDoNotGoTogetherAreOneLine) {
  TempDir dir;
  expectOneLineError(runGantry(ring8(dir / "a", "--set pack=0")), "pack");
  expectOneLineError(runGantry(ring8(dir / "b", "--set pack=2 --set minibatch_std_group=5")),
                     "'minibatch_std_group' = 5 needs batch_size (128");
  expectOneLineError(runGantry(ring8(dir / "c", "--set pack=2 --set conditional=acgan")), "'pack' = 2 packs samples");
  expectOneLineError(runGantry("train --preset dirac --quiet --set minibatch_std_group=4 --out " + quoted(dir / "d")),
                     "model = dirac does not support");
  expectOneLineError(runGantry(ring8(dir / "e", "--set g_ema=1")), "g_ema");
  for (const char* name : {"a", "b", "c", "d", "e"}) EXPECT_FALSE(std::filesystem::exists(dir / name)) << name;
}
