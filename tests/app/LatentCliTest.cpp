// gantry latent and gantry sample --z end to end on a briefly trained MNIST
// run: walks start and end at the codes of the samples named, inversion
// finds codes for G's own images, arithmetic carries a direction over, and
// bad requests get one line.
#include "gantry/io/Npy.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::samplesOf;
using gantry::test::TempDir;

namespace {

/// A 600-step mnist-mlp run, shared by the tests of this file.
const std::filesystem::path& trainedRun() {
  static TempDir dir;
  static const auto run = [] {
    auto path = dir / "run";
    auto train =
        runGantry("train --preset mnist-mlp --seed 1 --quiet --steps 600 --set sample_every=0 --out " + quoted(path));
    EXPECT_EQ(train.exitCode, 0) << train.err;
    return path;
  }();
  return run;
}

nlohmann::json readJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(LatentCliTest, AWalkRunsFromTheCodeOfOneNamedSampleToAnother) {
  TempDir dir;
  const auto& run = trainedRun();
  auto walk = runGantry("latent interpolate --run " + quoted(run) + " --points 3:17,3:42,5:0,5:99 --steps 5 --out " +
                        quoted(dir / "walk.png"));
  ASSERT_EQ(walk.exitCode, 0) << walk.err;
  ASSERT_TRUE(std::filesystem::exists(dir / "walk.png"));
  auto codes = gantry::io::readNpy(dir / "walk.npy");
  ASSERT_EQ(codes.sizes().vec(), (std::vector<int64_t>{10, 100}));
  // slerp between codes of about equal norm keeps it: no code falls inside the shell.
  auto norms = codes.norm(2, 1);
  EXPECT_LT((norms.max() / norms.min()).item<double>(), 1.2);
  // G's images of the walk's ends are samples 17 and 42 of gantry sample --seed 3 -n 100.
  auto fromCodes =
      runGantry("sample --run " + quoted(run) + " --z " + quoted(dir / "walk.npy") + " --out " + quoted(dir / "w.npy"));
  ASSERT_EQ(fromCodes.exitCode, 0) << fromCodes.err;
  auto images = gantry::io::readNpy(dir / "w.npy");
  auto seed3 = samplesOf(run, dir / "s3.npy", 100, 3), seed5 = samplesOf(run, dir / "s5.npy", 100, 5);
  EXPECT_TRUE(torch::allclose(images[0], seed3[17], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(images[4], seed3[42], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(images[5], seed5[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(images[9], seed5[99], 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(images[2], seed3[17], 1e-3, 1e-3));  // the middle is elsewhere
}

TEST(LatentCliTest, InversionFindsCodesForGsOwnImages) {
  TempDir dir;
  const auto& run = trainedRun();
  samplesOf(run, dir / "targets.npy", 3, 9);
  auto invert = runGantry("latent invert --run " + quoted(run) + " --images " + quoted(dir / "targets.npy") +
                          " --starts 2 --iterations 1000 --prior-weight 0 --out " + quoted(dir / "inv.png"));
  ASSERT_EQ(invert.exitCode, 0) << invert.err;
  auto report = readJson(dir / "inv.json");
  // Measured: mean MSE 1.1e-5 from 3.8e-4 at the best starts (2.9e-5 from
  // 1.2e-3 with OPENBLAS_CORETYPE=Haswell); RMSprop's steps of about the
  // learning rate keep it from 0.
  double afterSum = 0, beforeSum = 0;
  for (int i = 0; i < 3; ++i) {
    const double after = report["mse"][i], before = report["mse_at_start"][i];
    std::cout << "[ figures  ] image " << i << ": MSE " << after << " (best start " << before << ")\n";
    EXPECT_LT(after, before);
    afterSum += after;
    beforeSum += before;
  }
  EXPECT_LT(afterSum, 0.2 * beforeSum);
  // The codes written reproduce the reconstructions' error.
  auto again =
      runGantry("sample --run " + quoted(run) + " --z " + quoted(dir / "inv.npy") + " --out " + quoted(dir / "re.npy"));
  ASSERT_EQ(again.exitCode, 0) << again.err;
  auto targets = gantry::io::readNpy(dir / "targets.npy"), rebuilt = gantry::io::readNpy(dir / "re.npy");
  auto mse = (targets - rebuilt).pow(2).flatten(1).mean(1);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(mse[i].item<double>(), report["mse"][i].get<double>(), 1e-6);
}

// Measured on this run, seeds 1–4: ink of A − B 0.004–0.007 and of result −
// C 0.010–0.014; with OPENBLAS_CORETYPE=Haswell (another run) 0.021–0.023
// and 0.003–0.007. Three codes per group, as in the test.
TEST(LatentCliTest, ArithmeticCarriesTheInkOfAMinusBOverToC) {
  TempDir dir;
  const auto& run = trainedRun();
  for (int seed : {1, 2}) {
    auto png = dir / ("ink" + std::to_string(seed) + ".png");
    auto arithmetic = runGantry("latent arithmetic --run " + quoted(run) + " --seed " + std::to_string(seed) +
                                " --pool 2000 --a ink:0.8:1 --b ink:0:0.2 --c ink:0.4:0.6 --out " + quoted(png));
    ASSERT_EQ(arithmetic.exitCode, 0) << arithmetic.err;
    auto report = readJson(dir / ("ink" + std::to_string(seed) + ".json"));
    EXPECT_EQ(report["groups"]["a"]["matched"].get<int64_t>(), 400);  // the top fifth of 2,000
    const double a = report["ink"]["a"], b = report["ink"]["b"], c = report["ink"]["c"],
                 result = report["ink"]["result"];
    std::cout << "[ figures  ] seed " << seed << ": ink A " << a << ", B " << b << ", C " << c << ", result " << result
              << "\n";
    EXPECT_GT(a, b);
    EXPECT_GT(result, c);
  }
}

TEST(LatentCliTest, BadRequestsGetOneLine) {
  TempDir dir;
  const auto& run = trainedRun();
  const auto r = quoted(run);
  expectOneLineError(runGantry("latent interpolate --run " + r + " --points 1:2,1:3 --out " + quoted(dir / "x.jpg")),
                     "must end in .png");
  expectOneLineError(runGantry("latent interpolate --run " + r + " --points 1-2,1:3 --out " + quoted(dir / "x.png")),
                     "is not SEED:INDEX");
  expectOneLineError(runGantry("latent interpolate --run " + r + " --points 1:2 --out " + quoted(dir / "x.png")),
                     "in pairs");
  expectOneLineError(runGantry("latent interpolate --run " + r + " --points 1:200,1:3 --out " + quoted(dir / "x.png")),
                     "beyond the 100 samples");
  expectOneLineError(runGantry("latent arithmetic --run " + r + " --a ink:0.5:0.2 --b ink:0:1 --c ink:0:1 --out " +
                               quoted(dir / "x.png")),
                     "quantiles");
  expectOneLineError(runGantry("latent invert --run " + r + " --images " + quoted(dir / "none.npy") + " --out " +
                               quoted(dir / "x.png")),
                     "none.npy");
  gantry::io::writeNpy(dir / "codes.npy", torch::zeros({4, 7}));
  expectOneLineError(
      runGantry("sample --run " + r + " --z " + quoted(dir / "codes.npy") + " --out " + quoted(dir / "x.npy")),
      "shape (N, 100)");
  expectOneLineError(
      runGantry("sample --run " + r + " -n 3 --z " + quoted(dir / "codes.npy") + " --out " + quoted(dir / "x.npy")),
      "-n COUNT or --z");
  auto toy = dir / "toy";
  ASSERT_EQ(runGantry("train --preset ring8 --steps 5 --quiet --out " + quoted(toy)).exitCode, 0);
  expectOneLineError(runGantry("latent interpolate --run " + quoted(toy) + " --points 1:2,1:3 --out " +
                               quoted(dir / "nowhere" / "x.png")),
                     "works on images");
  EXPECT_FALSE(std::filesystem::exists(dir / "nowhere"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}
