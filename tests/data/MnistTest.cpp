#include "gantry/data/Mnist.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"
#include "gantry/data/Idx.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const fs::path kFashionRoot = "/usr/share/datasets/fashion-mnist";

using test::userErrorOf;

bool hasMnistFormat(const fs::path& root) {
  return fs::exists(root / "train-images-idx3-ubyte") || fs::exists(root / "train-images-idx3-ubyte.gz");
}

std::vector<int64_t> firstLabels(const TensorDataset& dataset, int64_t count) {
  const torch::Tensor head = dataset.labels().slice(0, 0, count).contiguous();
  return {head.data_ptr<int64_t>(), head.data_ptr<int64_t>() + count};
}

void expectValidImages(const TensorDataset& dataset, int64_t count) {
  ASSERT_EQ(dataset.length(), count);
  EXPECT_EQ(dataset.size().value(), static_cast<size_t>(count));
  EXPECT_EQ(dataset.samples().sizes(), torch::IntArrayRef({count, 1, 28, 28}));
  EXPECT_EQ(dataset.samples().scalar_type(), torch::kFloat32);
  EXPECT_EQ(dataset.labels().sizes(), torch::IntArrayRef({count}));
  EXPECT_EQ(dataset.labels().scalar_type(), torch::kInt64);
  // Real images use the full range: black background and saturated strokes, scaled by 1/255.
  EXPECT_EQ(dataset.samples().min().item<float>(), 0.0f);
  EXPECT_EQ(dataset.samples().max().item<float>(), 1.0f);
  const torch::Tensor asBytes = dataset.samples().mul(255.0f);
  EXPECT_TRUE(torch::allclose(asBytes, asBytes.round(), 0.0, 1e-3));
  // Every class appears with a plausible share (MNIST-format classes hold 9-11% each).
  const torch::Tensor histogram = torch::bincount(dataset.labels(), /*weights=*/{}, /*minlength=*/10);
  ASSERT_EQ(histogram.size(0), 10);
  for (int64_t digit = 0; digit < 10; ++digit) {
    EXPECT_GT(histogram[digit].item<int64_t>(), count / 20) << "class " << digit;
  }
}

/// A small MNIST-format folder: `count` train and test images with labels i % 10, all gzip.
void writeSyntheticMnist(const fs::path& root, int64_t count) {
  const torch::Tensor images =
      torch::arange(count * 28 * 28, torch::kInt64).remainder(256).to(torch::kUInt8).reshape({count, 28, 28});
  const torch::Tensor labels = torch::arange(count, torch::kInt64).remainder(10).to(torch::kUInt8);
  for (const std::string prefix : {"train", "t10k"}) {
    writeIdx(root / (prefix + "-images-idx3-ubyte.gz"), images, true);
    writeIdx(root / (prefix + "-labels-idx1-ubyte.gz"), labels, true);
  }
}

TEST(MnistTest, ParseSplit) {
  EXPECT_EQ(parseSplit("train"), Split::Train);
  EXPECT_EQ(parseSplit("validation"), Split::Validation);
  EXPECT_EQ(parseSplit("test"), Split::Test);
  EXPECT_EQ(parseSplit("all"), Split::All);
  const std::string message = userErrorOf([] { parseSplit("valid"); });
  EXPECT_NE(message.find("'valid'"), std::string::npos) << message;
}

TEST(MnistTest, RealMnistSplits) {
  const fs::path root = test::mnistRoot();
  if (!hasMnistFormat(root)) GTEST_SKIP() << "MNIST not found in " << root << "; run scripts/setup";
  const TensorDataset train = loadMnistFormat(root, Split::Train);
  const TensorDataset validation = loadMnistFormat(root, Split::Validation);
  const TensorDataset test = loadMnistFormat(root, Split::Test);
  const TensorDataset all = loadMnistFormat(root, Split::All);
  expectValidImages(train, 50000);
  expectValidImages(validation, 10000);
  expectValidImages(test, 10000);
  expectValidImages(all, 60000);
  EXPECT_EQ(train.sampleShape(), (std::vector<int64_t>{1, 28, 28}));

  // Train and validation are consecutive slices of the one training file.
  EXPECT_TRUE(torch::equal(validation.samples()[0], all.samples()[50000]));
  EXPECT_EQ(validation.labels()[0].item<int64_t>(), all.labels()[50000].item<int64_t>());
  EXPECT_TRUE(torch::equal(validation.samples()[9999], all.samples()[59999]));
  EXPECT_TRUE(torch::equal(train.samples()[49999], all.samples()[49999]));
  // Known first labels: MNIST's training set starts 5 0 4 1 9, its test set 7 2 1 0 4.
  EXPECT_EQ(firstLabels(all, 5), (std::vector<int64_t>{5, 0, 4, 1, 9}));
  EXPECT_EQ(firstLabels(test, 5), (std::vector<int64_t>{7, 2, 1, 0, 4}));
}

TEST(MnistTest, FashionMnistLoadsFromGzip) {
  if (!hasMnistFormat(kFashionRoot)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const TensorDataset test = loadMnistFormat(kFashionRoot, Split::Test);
  expectValidImages(test, 10000);
  // Fashion-MNIST's test set starts with an ankle boot (9), a pullover (2) and two trousers (1).
  EXPECT_EQ(firstLabels(test, 4), (std::vector<int64_t>{9, 2, 1, 1}));
  const TensorDataset validation = loadMnistFormat(kFashionRoot, Split::Validation);
  expectValidImages(validation, 10000);
}

TEST(MnistTest, SyntheticGzipFolderLoads) {
  TempDir dir;
  writeSyntheticMnist(dir.path(), 30);
  const TensorDataset all = loadMnistFormat(dir.path(), Split::All);
  ASSERT_EQ(all.length(), 30);
  EXPECT_EQ(all.labels()[13].item<int64_t>(), 3);
  // Pixel (0, 0, 5) of image 0 holds byte 5.
  EXPECT_FLOAT_EQ(all.samples()[0][0][0][5].item<float>(), 5.0f / 255.0f);
  // Fewer than 50,000 images: train takes them all, validation is empty and says so.
  EXPECT_EQ(loadMnistFormat(dir.path(), Split::Train).length(), 30);
  const std::string message = userErrorOf([&] { loadMnistFormat(dir.path(), Split::Validation); });
  EXPECT_NE(message.find("validation"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(MnistTest, MismatchedCountsThrowNamingBothFiles) {
  TempDir dir;
  writeSyntheticMnist(dir.path(), 20);
  writeIdx(dir / "train-labels-idx1-ubyte.gz", torch::zeros({19}, torch::kUInt8), true);
  const std::string message = userErrorOf([&] { loadMnistFormat(dir.path(), Split::All); });
  EXPECT_NE(message.find((dir / "train-images-idx3-ubyte.gz").string()), std::string::npos) << message;
  EXPECT_NE(message.find((dir / "train-labels-idx1-ubyte.gz").string()), std::string::npos) << message;
  EXPECT_NE(message.find("20 images but 19 labels"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  // The test files are intact, so the test split still loads.
  EXPECT_EQ(loadMnistFormat(dir.path(), Split::Test).length(), 20);
}

TEST(MnistTest, MissingLabelsFileThrowsNamingTheFolder) {
  TempDir dir;
  writeSyntheticMnist(dir.path(), 10);
  fs::remove(dir / "train-labels-idx1-ubyte.gz");
  const std::string message = userErrorOf([&] { loadMnistFormat(dir.path(), Split::Train); });
  EXPECT_NE(message.find("MNIST-format data not found in " + dir.path().string()), std::string::npos) << message;
  EXPECT_NE(message.find("train-labels-idx1-ubyte.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("train-images-idx3-ubyte[.gz]"), std::string::npos) << message;
  EXPECT_NE(message.find("scripts/setup"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(MnistTest, MissingFolderThrowsNamingIt) {
  TempDir dir;
  const fs::path root = dir / "no-such-folder";
  const std::string message = userErrorOf([&] { loadMnistFormat(root, Split::Test); });
  EXPECT_NE(message.find(root.string()), std::string::npos) << message;
  EXPECT_NE(message.find("scripts/setup"), std::string::npos) << message;
}

TEST(MnistTest, WrongImageShapeAndBadLabelsThrow) {
  TempDir dir;
  writeSyntheticMnist(dir.path(), 10);
  writeIdx(dir / "t10k-images-idx3-ubyte.gz", torch::zeros({10, 32, 32}, torch::kUInt8), true);
  std::string message = userErrorOf([&] { loadMnistFormat(dir.path(), Split::Test); });
  EXPECT_NE(message.find("t10k-images-idx3-ubyte.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("[10, 32, 32]"), std::string::npos) << message;

  torch::Tensor labels = torch::zeros({10}, torch::kUInt8);
  labels[4] = 10;
  writeIdx(dir / "train-labels-idx1-ubyte.gz", labels, true);
  message = userErrorOf([&] { loadMnistFormat(dir.path(), Split::All); });
  EXPECT_NE(message.find("train-labels-idx1-ubyte.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("index 4"), std::string::npos) << message;
}

TEST(MnistTest, PlainFileIsPreferredOverGzip) {
  TempDir dir;
  writeSyntheticMnist(dir.path(), 10);
  // A plain labels file next to the .gz one wins: labels all 7.
  writeIdx(dir / "t10k-labels-idx1-ubyte", torch::full({10}, 7, torch::kUInt8), false);
  const TensorDataset test = loadMnistFormat(dir.path(), Split::Test);
  EXPECT_TRUE(torch::all(test.labels() == 7).item<bool>());
}

}  // namespace
}  // namespace gantry::data
