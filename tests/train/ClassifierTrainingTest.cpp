#include "gantry/train/ClassifierCheckpoint.h"
#include "gantry/train/ClassifierTraining.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "TestSupport.h"

using gantry::models::CnnClassifier;
using gantry::models::CnnClassifierOptions;

namespace {

/// 8×8 images of three classes: a bright left half, right half or top half,
/// with noise. Separable, so a working training loop gets them all right.
gantry::data::TensorDataset halves(int64_t n) {
  auto labels = torch::arange(n, torch::kLong) % 3;
  auto images = 0.2 * torch::rand({n, 1, 8, 8});
  for (int64_t i = 0; i < n; ++i) {
    auto label = labels[i].item<int64_t>();
    if (label == 0) images[i].slice(2, 0, 4) += 0.7;
    if (label == 1) images[i].slice(2, 4, 8) += 0.7;
    if (label == 2) images[i].slice(1, 0, 4) += 0.7;
  }
  return gantry::data::TensorDataset(images, labels);
}

CnnClassifierOptions small() {
  return CnnClassifierOptions(1, 8, 3).conv1_channels(4).conv2_channels(4).feature_dim(8);
}

}  // namespace

TEST(ClassifierTrainingTest, LearnsSeparableClassesAndReportsEpochs) {
  torch::manual_seed(7);
  CnnClassifier model(small());
  auto before = gantry::train::classifierAccuracy(model, halves(90));
  gantry::train::ClassifierTrainingOptions options;
  options.epochs = 6;
  options.batch_size = 16;
  options.lr = 1e-2;
  std::vector<double> losses;
  options.onEpoch = [&](int64_t epoch, double loss, double) { losses.push_back(loss); };
  gantry::train::trainClassifier(model, halves(300), options);
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_FALSE(model->is_training());
  EXPECT_DOUBLE_EQ(gantry::train::classifierAccuracy(model, halves(90)), 1.0);
  EXPECT_LT(before, 0.9);
}

TEST(ClassifierTrainingTest, FileKeepsWeightsArchitectureAndInfo) {
  gantry::test::TempDir dir;
  torch::manual_seed(8);
  CnnClassifier model(small());
  model->eval();
  gantry::train::writeClassifier(dir / "c.pt", model, {"fashion", 0.9123, 3, 5});
  auto loaded = gantry::train::readClassifier(dir / "c.pt");
  EXPECT_EQ(loaded.info.dataset, "fashion");
  EXPECT_DOUBLE_EQ(loaded.info.testAccuracy, 0.9123);
  EXPECT_EQ(loaded.info.epochs, 3);
  EXPECT_EQ(loaded.info.seed, 5);
  EXPECT_EQ(loaded.model->options().feature_dim(), 8);
  auto x = torch::rand({5, 1, 8, 8});
  EXPECT_TRUE(torch::equal(loaded.model->forward(x), model->forward(x)));
}

TEST(ClassifierTrainingTest, MissingOrCorruptFilesAreUserErrors) {
  gantry::test::TempDir dir;
  auto missing = gantry::test::userErrorOf([&] { gantry::train::readClassifier(dir / "none.pt"); });
  EXPECT_NE(missing.find((dir / "none.pt").string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("gantry classifier train"), std::string::npos) << missing;
  gantry::test::writeFile(dir / "bad.pt", "not a classifier");
  auto corrupt = gantry::test::userErrorOf([&] { gantry::train::readClassifier(dir / "bad.pt"); });
  EXPECT_NE(corrupt.find("corrupt"), std::string::npos) << corrupt;
}
