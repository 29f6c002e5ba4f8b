// The classifier-based image metrics on real MNIST, with the classifier that
// ctest trains once per run (fixture MnistClassifier, tests/CMakeLists.txt).
#include "gantry/data/Mnist.h"
#include "gantry/eval/FeatureExtractor.h"
#include "gantry/eval/FrechetDistance.h"
#include "gantry/eval/KernelInceptionDistance.h"
#include "gantry/io/Npy.h"
#include "gantry/train/ClassifierCheckpoint.h"
#include "gantry/train/ClassifierTraining.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

const std::filesystem::path kClassifier = GANTRY_TEST_CLASSIFIER;

gantry::data::TensorDataset mnistTest() {
  return gantry::data::loadMnistFormat(gantry::test::mnistRoot(), gantry::data::Split::Test);
}

gantry::eval::FeatureExtractor extractor() {
  return gantry::eval::FeatureExtractor(gantry::train::readClassifier(kClassifier).model, torch::kCPU);
}

nlohmann::json evalSamples(const TempDir& dir, const torch::Tensor& samples, const std::string& metrics) {
  gantry::io::writeNpy(dir / "s.npy", samples);
  auto r = runGantry("eval --samples " + quoted(dir / "s.npy") + " --dataset mnist --quiet --metrics " + metrics +
                     " --classifier " + quoted(kClassifier) + " --out " + quoted(dir / "e.json"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return nlohmann::json::parse(gantry::test::readFile(dir / "e.json"));
}

}  // namespace

TEST(EvalWithClassifierTest, ClassifierReachesNinetyNinePercentOnTheTestSet) {
  auto loaded = gantry::train::readClassifier(kClassifier);
  EXPECT_EQ(loaded.info.dataset, "mnist");
  auto test = mnistTest();
  double accuracy = gantry::train::classifierAccuracy(loaded.model, test);
  RecordProperty("test_accuracy", std::to_string(accuracy));
  EXPECT_GE(accuracy, 0.99);
  EXPECT_DOUBLE_EQ(loaded.info.testAccuracy, accuracy);  // the file records what it really scores
}

TEST(EvalWithClassifierTest, HalvesScoreNearZeroAndNoiseRaisesFdAndKidMonotonically) {
  // Random halves: MNIST's test set is ordered (its first 5,000 images come
  // from neater writers than the last 5,000), so test[0:5000] and
  // test[5000:10000] differ by more than mild noise does.
  auto test = mnistTest().samples();
  torch::manual_seed(50);
  auto order = torch::randperm(test.size(0), torch::kLong);
  auto features = extractor();
  auto first = features.extract(test.index_select(0, order.slice(0, 0, 5000))).features;
  auto secondImages = test.index_select(0, order.slice(0, 5000));
  auto second = features.extract(secondImages).features;
  auto reference = gantry::eval::fitGaussian(first);
  // Identical sets: FD 0 up to rounding, which is relative to the features'
  // total variance: ReLU features leave the covariance nearly singular, and
  // the square root of an eigenvalue that rounding left at ε·λmax instead
  // of 0 is √ε·λmax, about 1e-8 of it per such eigenvalue.
  const double totalVariance = reference.covariance.trace().item<double>();
  RecordProperty("total_variance", std::to_string(totalVariance));
  EXPECT_NEAR(gantry::eval::frechetDistance(reference, reference), 0.0, 1e-6 * totalVariance);

  std::vector<double> fd = {gantry::eval::frechetDistance(gantry::eval::fitGaussian(second), reference)};
  auto halvesKid = gantry::eval::kernelInceptionDistance(second, first, 100, 1000, 0);
  std::vector<double> kid = {halvesKid.mean};
  RecordProperty("kid_std_0", std::to_string(halvesKid.std));
  torch::manual_seed(51);
  auto noise = torch::randn_like(secondImages);
  for (double sigma : {0.05, 0.1, 0.2, 0.4}) {
    auto noisy = features.extract((secondImages + sigma * noise).clamp(0, 1)).features;
    fd.push_back(gantry::eval::frechetDistance(gantry::eval::fitGaussian(noisy), reference));
    kid.push_back(gantry::eval::kernelInceptionDistance(noisy, first, 100, 1000, 0).mean);
  }
  for (size_t i = 0; i < fd.size(); ++i) {
    RecordProperty("fd_" + std::to_string(i), std::to_string(fd[i]));
    RecordProperty("kid_" + std::to_string(i), std::to_string(kid[i]));
  }
  // Two halves of the real test set: near zero. FD is biased upwards at a
  // finite sample size, but stays a small fraction of the total variance
  // (unrelated feature sets score about twice the total variance); KID is
  // unbiased, so zero within the spread of its subset estimates.
  EXPECT_LT(fd[0], 0.01 * totalVariance) << "halves " << fd[0] << ", total variance " << totalVariance;
  EXPECT_LT(std::abs(kid[0]), halvesKid.std) << "halves " << kid[0] << " ± " << halvesKid.std;
  for (size_t i = 1; i < fd.size(); ++i) {
    EXPECT_GT(fd[i], fd[i - 1]) << "noise level " << i;
    EXPECT_GT(kid[i], kid[i - 1]) << "noise level " << i;
  }
}

TEST(EvalWithClassifierTest, TheTestSetScoredAgainstItselfLooksPerfect) {
  TempDir dir;
  auto report = evalSamples(dir, mnistTest().samples(), "fd,kid,prdc,classifier-score,classes");
  const auto& m = report["metrics"];
  EXPECT_EQ(report["classifier"]["file"], kClassifier.string());
  // Rounding: 1e-6 of the features' total variance (about 1,100), as above.
  EXPECT_NEAR(m["fd"]["fd"].get<double>(), 0.0, 1e-3);
  // Zero within the spread of the subset estimates, as for the halves above.
  // Not tighter: the two subsets of each estimate are drawn from the same
  // 10,000 images and share about 100, whose k(x, x) terms bias it.
  EXPECT_LT(std::abs(m["kid"]["kid_mean"].get<double>()), m["kid"]["kid_std"].get<double>());
  EXPECT_DOUBLE_EQ(m["prdc"]["precision"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["prdc"]["recall"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["prdc"]["coverage"].get<double>(), 1.0);
  EXPECT_EQ(m["classes"]["classes_covered"], 10);
  EXPECT_LT(m["classes"]["kl_from_real"].get<double>(), 0.001);  // only the ~1% the classifier gets wrong
  EXPECT_GT(m["classifier-score"]["score_mean"].get<double>(), 9.0);
}

TEST(EvalWithClassifierTest, OneClassOfRealImagesShowsModeCollapse) {
  TempDir dir;
  auto test = mnistTest();
  auto threes = test.samples().index_select(0, test.labels().eq(3).nonzero().squeeze(1));
  auto report = evalSamples(dir, threes, "prdc,classes,classifier-score");
  const auto& m = report["metrics"];
  RecordProperty("precision", std::to_string(m["prdc"]["precision"].get<double>()));
  RecordProperty("recall", std::to_string(m["prdc"]["recall"].get<double>()));
  RecordProperty("coverage", std::to_string(m["prdc"]["coverage"].get<double>()));
  EXPECT_EQ(m["classes"]["classes_covered"], 1);
  auto histogram = m["classes"]["histogram"].get<std::vector<int64_t>>();
  EXPECT_EQ(std::max_element(histogram.begin(), histogram.end()) - histogram.begin(), 3);
  EXPECT_GT(m["classes"]["kl_from_real"].get<double>(), 2.0);  // log(1/0.101) = 2.29 for a perfect single class
  // Realistic images (high precision) that reach a tenth of the data (low recall and coverage).
  EXPECT_GT(m["prdc"]["precision"].get<double>(), 0.9);
  EXPECT_LT(m["prdc"]["recall"].get<double>(), 0.25);
  EXPECT_LT(m["prdc"]["coverage"].get<double>(), 0.25);
  EXPECT_LT(m["classifier-score"]["score_mean"].get<double>(), 1.5);
}

TEST(EvalWithClassifierTest, TrainingEvaluatesTheFeatureMetrics) {
  TempDir dir;
  auto run = dir / "run";
  auto r = runGantry(
      "train --preset mnist-mlp --steps 40 --quiet --set g_hidden=64 --set d_hidden=32,32 "
      "--set log_every=20 --set sample_every=0 --set eval_every=20 --set eval_samples=500 "
      "--set eval_classifier=" +
      quoted(kClassifier) + " --out " + quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream in(run / "metrics.jsonl");
  int evaluations = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("eval")) continue;
    ++evaluations;
    for (const char* metric : {"fd", "kid", "prdc", "classifier-score", "classes"})
      EXPECT_TRUE(j["eval"].contains(metric)) << metric << " missing in " << line;
    EXPECT_EQ(j["eval"]["fd"]["samples"], 500);
  }
  EXPECT_EQ(evaluations, 2);
}

TEST(EvalWithClassifierTest, EvalFindsTheClassifierAtItsDefaultPlace) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data" / "classifiers");
  std::filesystem::create_symlink(std::filesystem::absolute(gantry::test::mnistRoot()), dir / "data" / "mnist");
  std::filesystem::copy_file(kClassifier, dir / "data" / "classifiers" / "mnist.pt");
  gantry::io::writeNpy(dir / "s.npy", mnistTest().samples().slice(0, 0, 100));
  auto r = gantry::test::runCommand("GANTRY_DATA=" + quoted(dir / "data") + " " + GANTRY_BIN + " eval --samples " +
                                    quoted(dir / "s.npy") + " --dataset mnist --metrics classes --out " +
                                    quoted(dir / "e.json"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto report = nlohmann::json::parse(gantry::test::readFile(dir / "e.json"));
  EXPECT_EQ(report["classifier"]["file"], (dir / "data" / "classifiers" / "mnist.pt").string());
  EXPECT_EQ(report["metrics"]["classes"]["samples"], 100);
}

// AC-GAN (acgan-mnist) learns to draw the class it is asked for, as the
// per-class metric reads it: 600 steps give a mean accuracy of 90% (seed 1,
// class 5 not drawn yet; 93% before D's class term took the paper's scale;
// the preset's 10,000 steps 99.8%). With --label C only class C is drawn,
// and its accuracy is the share the classes histogram gives it.
TEST(EvalWithClassifierTest, AcganDrawsTheClassAskedForAsPerClassMeasuresIt) {
  TempDir dir;
  auto run = dir / "run";
  auto train = runGantry(
      "train --preset acgan-mnist --seed 1 --steps 600 --quiet --set sample_every=0 "
      "--set checkpoint_every=0 --out " +
      quoted(run));
  ASSERT_EQ(train.exitCode, 0) << train.err;
  auto eval = [&](const std::string& extra) {
    auto r = runGantry("eval --run " + quoted(run) + " -n 2000 --quiet --metrics classes,per-class --classifier " +
                       quoted(kClassifier) + " --out " + quoted(dir / "e.json") + extra);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return nlohmann::json::parse(gantry::test::readFile(dir / "e.json"))["metrics"];
  };
  auto all = eval("");
  const auto& perClass = all["per-class"];
  std::cout << "[ figures  ] mean accuracy " << perClass["mean_accuracy"] << ", lowest " << perClass["lowest_accuracy"]
            << " (class " << perClass["lowest_class"] << "), mean FD within class " << perClass["mean_fd"] << "\n";
  EXPECT_EQ(perClass["classes_drawn"], 10);
  EXPECT_GE(perClass["mean_accuracy"].get<double>(), 0.8);
  int64_t drawn = 0;
  for (const auto& n : perClass["samples"]) drawn += n.get<int64_t>();
  EXPECT_EQ(drawn, 2000);

  auto three = eval(" --label 3");
  EXPECT_EQ(three["per-class"]["classes_drawn"], 1);
  EXPECT_TRUE(three["per-class"]["accuracy"][0].is_null());
  EXPECT_EQ(three["per-class"]["samples"][3], 2000);
  const double share = three["classes"]["histogram"][3].get<double>() / 2000.0;
  EXPECT_DOUBLE_EQ(three["per-class"]["accuracy"][3].get<double>(), share);
}
