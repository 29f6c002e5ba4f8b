// `gantry eval` and evaluation during training, end to end, for the metrics
// that need no classifier (the classifier's are in EvalWithClassifierTest).
#include "gantry/data/Mnist.h"
#include "gantry/io/Npy.h"
#include "gantry/io/TerminalImage.h"
#include "gantry/models/CnnClassifier.h"
#include "gantry/train/ClassifierCheckpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
  return nlohmann::json::parse(gantry::test::readFile(path));
}

gantry::data::TensorDataset mnist(gantry::data::Split split) {
  return gantry::data::loadMnistFormat(gantry::test::mnistRoot(), split);
}

}  // namespace

TEST(EvalCliTest, ParzenScoresRealImagesAboveAShortTrainedGan) {
  TempDir dir;
  auto train = runGantry("train --preset mnist-mlp --steps 500 --seed 1 --quiet --set sample_every=0 --out " +
                         quoted(dir / "run"));
  ASSERT_EQ(train.exitCode, 0) << train.err;
  auto gan =
      runGantry("eval --run " + quoted(dir / "run") + " --metrics parzen --quiet --out " + quoted(dir / "gan.json"));
  ASSERT_EQ(gan.exitCode, 0) << gan.err;
  // The training set's own first 10,000 images as "samples".
  gantry::io::writeNpy(dir / "real.npy", mnist(gantry::data::Split::Train).samples().slice(0, 0, 10000));
  auto real = runGantry("eval --samples " + quoted(dir / "real.npy") + " --dataset mnist --metrics parzen --out " +
                        quoted(dir / "real.json"));
  ASSERT_EQ(real.exitCode, 0) << real.err;
  EXPECT_NE(real.out.find("parzen "), std::string::npos) << real.out;

  auto ganReport = readJson(dir / "gan.json"), realReport = readJson(dir / "real.json");
  for (const auto* report : {&ganReport, &realReport}) {
    const auto& p = (*report)["metrics"]["parzen"];
    EXPECT_EQ(p["samples"], 10000);  // the protocol's count by default
    EXPECT_EQ(p["validation_images"], 1000);
    EXPECT_EQ(p["test_images"], 10000);
    EXPECT_GT(p["standard_error"].get<double>(), 0.0);
    EXPECT_EQ(p["sigmas"].size(), 10u);
    EXPECT_NE(std::find(p["sigmas"].begin(), p["sigmas"].end(), p["sigma"]), p["sigmas"].end());
  }
  double ganLogLikelihood = ganReport["metrics"]["parzen"]["log_likelihood"].get<double>();
  double realLogLikelihood = realReport["metrics"]["parzen"]["log_likelihood"].get<double>();
  RecordProperty("gan_500_steps", std::to_string(ganLogLikelihood));
  RecordProperty("real_training_images", std::to_string(realLogLikelihood));
  EXPECT_GT(realLogLikelihood, ganLogLikelihood);
}

TEST(EvalCliTest, SamplesInOtherLayoutsScoreTheSame) {
  TempDir dir;
  auto images = mnist(gantry::data::Split::Test).samples().slice(0, 0, 30);  // [30, 1, 28, 28], k/255
  auto bytes = images.mul(255).round().to(torch::kUInt8);
  gantry::io::writeNpy(dir / "nchw.npy", images);
  gantry::io::writeNpy(dir / "flat.npy", images.reshape({30, 784}));
  gantry::io::writeNpy(dir / "bytes.npy", bytes.reshape({30, 28, 28}));
  gantry::io::writeNpy(dir / "nhwc.npy", images.permute({0, 2, 3, 1}).contiguous());
  std::vector<double> scores;
  for (const char* name : {"nchw", "flat", "bytes", "nhwc"}) {
    auto out = dir / (std::string(name) + ".json");
    auto r = runGantry("eval --samples " + quoted(dir / (std::string(name) + ".npy")) +
                       " --dataset mnist --metrics parzen --quiet --out " + quoted(out));
    ASSERT_EQ(r.exitCode, 0) << name << ": " << r.err;
    scores.push_back(readJson(out)["metrics"]["parzen"]["log_likelihood"].get<double>());
  }
  for (double s : scores) EXPECT_DOUBLE_EQ(s, scores[0]);
  // -n takes the first rows of the file.
  auto r = runGantry("eval --samples " + quoted(dir / "flat.npy") +
                     " --dataset mnist --metrics parzen -n 10 --quiet "
                     "--out " +
                     quoted(dir / "ten.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(readJson(dir / "ten.json")["count"], 10);
}

TEST(EvalCliTest, BadInputIsOneLineNamingWhatToDo) {
  TempDir dir;
  auto images = mnist(gantry::data::Split::Test).samples().slice(0, 0, 20);
  gantry::io::writeNpy(dir / "s.npy", images);
  gantry::io::writeNpy(dir / "ring.npy", torch::zeros({20, 2}));
  gantry::io::writeNpy(dir / "signed.npy", images * 2 - 1);
  std::string samples = " --samples " + quoted(dir / "s.npy") + " --dataset mnist";
  std::string out = " --out " + quoted(dir / "e.json");

  expectOneLineError(
      runGantry("eval --samples " + quoted(dir / "ring.npy") + " --dataset ring8 --metrics parzen" + out),
      "metric 'parzen' needs mnist or fashion");
  expectOneLineError(runGantry("eval --samples " + quoted(dir / "ring.npy") + " --dataset ring8 --metrics fd" + out),
                     "metric 'fd' needs mnist or fashion");
  expectOneLineError(
      runGantry("eval --samples " + quoted(dir / "ring.npy") + " --dataset ring8 --metrics memorization" + out),
      "metric 'memorization' needs an image dataset");
  expectOneLineError(runGantry("eval" + samples + " --metrics fd,fid" + out), "unknown metric 'fid'");
  expectOneLineError(runGantry("eval" + samples + " --metrics parzen,parzen" + out), "listed twice");
  expectOneLineError(runGantry("eval" + samples + " --metrics parzen -n 50" + out), "holds only 20 samples");
  expectOneLineError(
      runGantry("eval --samples " + quoted(dir / "signed.npy") + " --dataset mnist --metrics parzen" + out),
      "gantry expects [0, 1]");
  gantry::io::writeNpy(dir / "wide.npy", torch::zeros({20, 1, 32, 32}));
  expectOneLineError(
      runGantry("eval --samples " + quoted(dir / "wide.npy") + " --dataset mnist --metrics parzen" + out),
      "shape (20, 1, 32, 32)");

  // Classifiers: an explicit file that is missing, the default one missing
  // (it names the command that makes it), a corrupt one, one of another dataset.
  expectOneLineError(runGantry("eval" + samples + " --metrics fd --classifier " + quoted(dir / "none.pt") + out),
                     "gantry classifier train --dataset mnist --out " + (dir / "none.pt").string());
  std::filesystem::create_directories(dir / "data");
  std::filesystem::create_symlink(std::filesystem::absolute(gantry::test::mnistRoot()), dir / "data" / "mnist");
  auto withDataRoot = gantry::test::runCommand("GANTRY_DATA=" + quoted(dir / "data") + " " + GANTRY_BIN + " eval" +
                                               samples + " --metrics classes" + out);
  expectOneLineError(withDataRoot, "no mnist classifier at " + (dir / "data" / "classifiers" / "mnist.pt").string());
  expectOneLineError(withDataRoot, "gantry classifier train --dataset mnist (or give --classifier FILE)");
  gantry::test::writeFile(dir / "bad.pt", "garbage");
  expectOneLineError(runGantry("eval" + samples + " --metrics kid --classifier " + quoted(dir / "bad.pt") + out),
                     "corrupt");
  gantry::models::CnnClassifier untrained(gantry::models::CnnClassifierOptions(1, 28, 10));
  gantry::train::writeClassifier(dir / "fashion.pt", untrained, {"fashion", 0.1, 1, 1});
  expectOneLineError(runGantry("eval" + samples + " --metrics prdc --classifier " + quoted(dir / "fashion.pt") + out),
                     "was trained on fashion, not mnist");
  expectOneLineError(runGantry("classifier train --dataset ring8 --out " + quoted(dir / "c.pt")), "mnist or fashion");
  // A run imitates its config's dataset; --dataset beside it was ignored.
  expectOneLineError(runGantry("eval --run " + quoted(dir / "run") + " --dataset fashion --metrics parzen" + out),
                     "drop --dataset");
  EXPECT_FALSE(std::filesystem::exists(dir / "e.json"));
}

TEST(EvalCliTest, MemorizationFindsCopiedTrainingImages) {
  TempDir dir;
  // 8 training images (train[100:108]) among 40 validation images: unseen
  // images from the same writers as the training set. (Not test images: the
  // first half of MNIST's test set comes from other, neater writers, and
  // more of it falls below the training set's 1% quantile.)
  auto training = mnist(gantry::data::Split::Train).samples();
  auto samples =
      torch::cat({mnist(gantry::data::Split::Validation).samples().slice(0, 0, 40), training.slice(0, 100, 108)});
  gantry::io::writeNpy(dir / "s.npy", samples);
  auto r = runGantry("eval --samples " + quoted(dir / "s.npy") + " --dataset mnist --metrics memorization --out " +
                     quoted(dir / "m.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto m = readJson(dir / "m.json")["metrics"]["memorization"];
  EXPECT_EQ(m["training_images"], 50000);
  EXPECT_EQ(m["baseline_images"], 1000);
  for (int k = 0; k < 8; ++k) {
    EXPECT_NEAR(m["closest"][k]["distance"].get<double>(), 0.0, 1e-6);
    EXPECT_EQ(m["closest"][k]["train_index"].get<int64_t>(), m["closest"][k]["sample"].get<int64_t>() - 40 + 100);
  }
  // The unseen images are as far from the training set as training images
  // are from each other; the copies (8 of 48) far closer.
  EXPECT_GT(m["closest"][8]["distance"].get<double>(), 1.0);
  EXPECT_NEAR(m["fraction_below_train_q01"].get<double>(), 8.0 / 48.0, 2.0 / 48.0);
  EXPECT_NEAR(m["median_ratio"].get<double>(), 1.0, 0.25);
  // 16 pairs in 8 columns: 4 rows of 28-pixel tiles with 2-pixel borders.
  ASSERT_EQ(m["grid"], "m.memorization.png");
  auto grid = gantry::io::readRgbImage(dir / "m.memorization.png");
  EXPECT_EQ(grid.size(0), 4 * 30 + 2);
  EXPECT_EQ(grid.size(1), 8 * 30 + 2);
}

TEST(EvalCliTest, TrainingAppendsEvaluationsToMetricsJsonl) {
  TempDir dir;
  auto run = dir / "run";
  std::string common = " --quiet --set log_every=50 --set sample_every=0 --set eval_every=100 --set eval_samples=500";
  auto r = runGantry("train --preset ring8 --steps 150" + common + " --out " + quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 200 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  std::ifstream in(run / "metrics.jsonl");
  std::vector<int64_t> evaluated, logged;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("eval")) {
      evaluated.push_back(j["step"].get<int64_t>());
      EXPECT_EQ(j["eval_samples"], 500);
      EXPECT_EQ(j["eval"]["modes"]["samples"], 500);  // the default for ring8
      EXPECT_EQ(j["eval"]["modes"]["modes_total"], 8);
    } else {
      logged.push_back(j["step"].get<int64_t>());
    }
  }
  // Every 100 steps and at the end of each session (150: end of the first).
  EXPECT_EQ(evaluated, (std::vector<int64_t>{100, 150, 200}));
  EXPECT_EQ(logged, (std::vector<int64_t>{50, 100, 150, 200}));

  expectOneLineError(runGantry("train --preset ring8 --steps 10 --set eval_every=5 --set eval_metrics=fd --out " +
                               quoted(dir / "bad")),
                     "metric 'fd' needs mnist or fashion");
  expectOneLineError(runGantry("train --preset ring8 --steps 10 --set eval_every=5 --set eval_metrics=modez --out " +
                               quoted(dir / "bad")),
                     "unknown metric 'modez' in config key 'eval_metrics'");
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));
}
