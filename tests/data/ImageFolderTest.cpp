#include "gantry/data/ImageFolder.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

using test::userErrorOf;

/// A solid RGB image of `width` x `height`.
std::vector<unsigned char> solid(int width, int height, unsigned char r, unsigned char g, unsigned char b) {
  std::vector<unsigned char> pixels;
  for (int i = 0; i < width * height; ++i) pixels.insert(pixels.end(), {r, g, b});
  return pixels;
}

void writeSolidPng(const fs::path& path, int width, int height, unsigned char r, unsigned char g, unsigned char b) {
  fs::create_directories(path.parent_path());
  const auto pixels = solid(width, height, r, g, b);
  ASSERT_TRUE(stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3));
}

void writeSolidJpeg(const fs::path& path, int width, int height, unsigned char r, unsigned char g, unsigned char b) {
  fs::create_directories(path.parent_path());
  const auto pixels = solid(width, height, r, g, b);
  ASSERT_TRUE(stbi_write_jpg(path.c_str(), width, height, 3, pixels.data(), 95));
}

/// Two classes: "cats" (2 images) and "dogs" (1 image), of different sizes and formats.
void writeClassFolder(const fs::path& root) {
  writeSolidPng(root / "cats" / "a.png", 40, 30, 200, 100, 50);
  writeSolidJpeg(root / "cats" / "b.JPG", 16, 16, 0, 0, 255);
  writeSolidPng(root / "dogs" / "nested" / "c.png", 28, 28, 10, 250, 10);
  fs::create_directories(root / "empty-class");  // holds no image, so it takes no label
  test::writeFile(root / "dogs" / "notes.txt", "not an image");
  test::writeFile(root / "cats" / "._a.png", "macOS resource fork, hidden");
}

// stb's RGB -> gray conversion: (77 r + 150 g + 29 b) >> 8.
float stbGray(int r, int g, int b) { return static_cast<float>((77 * r + 150 * g + 29 * b) >> 8) / 255.0f; }

TEST(ImageFolderTest, LoadsClassesResizedToGray) {
  TempDir dir;
  writeClassFolder(dir.path());
  const TensorDataset dataset = loadImageFolder(dir.path(), {});
  ASSERT_EQ(dataset.length(), 3);
  EXPECT_EQ(dataset.samples().sizes(), torch::IntArrayRef({3, 1, 28, 28}));
  EXPECT_EQ(dataset.samples().scalar_type(), torch::kFloat32);
  // Sorted path order: cats/a.png, cats/b.JPG, dogs/nested/c.png.
  const torch::Tensor labels = dataset.labels();
  EXPECT_EQ(labels[0].item<int64_t>(), 0);
  EXPECT_EQ(labels[1].item<int64_t>(), 0);
  EXPECT_EQ(labels[2].item<int64_t>(), 1);

  // A solid image stays solid through the resampler (40x30 -> 28x28).
  const torch::Tensor first = dataset.samples()[0];
  EXPECT_NEAR(first.min().item<float>(), stbGray(200, 100, 50), 2.0f / 255);
  EXPECT_NEAR(first.max().item<float>(), stbGray(200, 100, 50), 2.0f / 255);
  const torch::Tensor third = dataset.samples()[2];
  EXPECT_NEAR(third.mean().item<float>(), stbGray(10, 250, 10), 2.0f / 255);
  EXPECT_NEAR((third.max() - third.min()).item<float>(), 0.0f, 1e-6);
  // JPEG is lossy; a solid blue stays dark.
  EXPECT_LT(dataset.samples()[1].max().item<float>(), 0.2f);
}

TEST(ImageFolderTest, LoadsRgbAtRequestedSize) {
  TempDir dir;
  writeClassFolder(dir.path());
  ImageFolderOptions options;
  options.height = 12;
  options.width = 20;
  options.grayscale = false;
  const TensorDataset dataset = loadImageFolder(dir.path(), options);
  ASSERT_EQ(dataset.samples().sizes(), torch::IntArrayRef({3, 3, 12, 20}));
  EXPECT_EQ(dataset.sampleShape(), (std::vector<int64_t>{3, 12, 20}));
  const torch::Tensor green = dataset.samples()[2];  // solid (10, 250, 10)
  const std::vector<float> expected = {10.0f / 255, 250.0f / 255, 10.0f / 255};
  for (int64_t channel = 0; channel < 3; ++channel) {
    EXPECT_NEAR(green[channel].min().item<float>(), expected[channel], 2.0f / 255) << "channel " << channel;
    EXPECT_NEAR(green[channel].max().item<float>(), expected[channel], 2.0f / 255) << "channel " << channel;
  }
  // The JPEG's blue channel dominates.
  const torch::Tensor blue = dataset.samples()[1].mean({1, 2});
  EXPECT_GT(blue[2].item<float>(), 0.9f);
  EXPECT_LT(blue[0].item<float>(), 0.1f);
}

TEST(ImageFolderTest, AClassFolderThatIsALinkIsFollowed) {
  // A class linked in from elsewhere was skipped: its images silently
  // missing, and the class count one short.
  TempDir dir;
  writeSolidPng(dir / "elsewhere" / "d.png", 28, 28, 10, 250, 10);
  writeSolidPng(dir / "root" / "cats" / "a.png", 28, 28, 200, 100, 50);
  fs::create_directory_symlink(dir / "elsewhere", dir / "root" / "dogs");
  const TensorDataset dataset = loadImageFolder(dir / "root", {});
  ASSERT_EQ(dataset.length(), 2);
  EXPECT_EQ(dataset.labels()[1].item<int64_t>(), 1);
  EXPECT_NEAR(dataset.samples()[1].mean().item<float>(), stbGray(10, 250, 10), 2.0f / 255);
  // A loop of links was walked some 40 levels deep, each level's images
  // taken again: one line now.
  fs::create_directory_symlink(dir / "root", dir / "elsewhere" / "loop");
  const std::string message = userErrorOf([&] { loadImageFolder(dir / "root", {}); });
  EXPECT_NE(message.find("reaches " + fs::canonical(dir / "root").string() + " twice"), std::string::npos) << message;
}

TEST(ImageFolderTest, ImagesDirectlyInRootGetLabelZero) {
  TempDir dir;
  writeSolidPng(dir / "x.png", 28, 28, 0, 0, 0);
  writeSolidPng(dir / "y.jpeg.png", 28, 28, 255, 255, 255);
  const TensorDataset dataset = loadImageFolder(dir.path(), {});
  ASSERT_EQ(dataset.length(), 2);
  EXPECT_TRUE(torch::equal(dataset.labels(), torch::zeros({2}, torch::kInt64)));
  EXPECT_EQ(dataset.samples()[0].max().item<float>(), 0.0f);
  EXPECT_EQ(dataset.samples()[1].min().item<float>(), 1.0f);
}

TEST(ImageFolderTest, LooseImagesBesideClassSubfoldersThrowNamingBoth) {
  // They would take label 0, the first class's.
  TempDir dir;
  std::filesystem::create_directories(dir / "cats");
  writeSolidPng(dir / "cats" / "a.png", 28, 28, 0, 0, 0);
  writeSolidPng(dir / "stray.png", 28, 28, 255, 255, 255);
  try {
    loadImageFolder(dir.path(), {});
    FAIL() << "a mixed folder loaded";
  } catch (const gantry::UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stray.png"), std::string::npos) << what;
    EXPECT_NE(what.find("cats/"), std::string::npos) << what;
  }
}

TEST(ImageFolderTest, CorruptImageThrowsNamingIt) {
  TempDir dir;
  writeClassFolder(dir.path());
  const fs::path corrupt = dir / "dogs" / "broken.png";
  test::writeFile(corrupt, "\x89PNG\r\n\x1a\n this is not really a PNG");
  const std::string message = userErrorOf([&] { loadImageFolder(dir.path(), {}); });
  EXPECT_NE(message.find(corrupt.string()), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ImageFolderTest, AnImageWithoutPixelsThrowsNamingIt) {
  // Found by scripts/fuzz (target image): a BMP header of width 0, which stb
  // decodes to an empty image and its resampler then asserts on (abort).
  TempDir dir;
  const fs::path empty = dir / "a" / "empty.png";  // a BMP: stb reads by content
  fs::create_directories(empty.parent_path());
  const std::string bmp(
      "\x42\x4d\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"
      "\x28\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00"
      "\x18\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"
      "\xff\xff\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff\x00"
      "\x00",
      57);
  test::writeFile(empty, bmp);
  const std::string message = userErrorOf([&] { loadImageFolder(dir.path(), {}); });
  EXPECT_NE(message.find(empty.string() + " has no pixels (0x2)"), std::string::npos) << message;
}

TEST(ImageFolderTest, ABmpCutShortThrowsNamingItWhereStbWouldFillZeros) {
  // A BMP under a .png name (stb reads by content): whole, it loads with its
  // colour; cut to 60% (its last rows missing), stb would hand back the
  // missing rows as black, so it is refused, naming the file.
  TempDir dir;
  const fs::path whole = dir / "a" / "whole.png";
  fs::create_directories(whole.parent_path());
  const auto pixels = solid(8, 8, 200, 100, 50);
  ASSERT_TRUE(stbi_write_bmp(whole.c_str(), 8, 8, 3, pixels.data()));
  ImageFolderOptions options;
  options.height = options.width = 8;
  options.grayscale = false;
  auto dataset = loadImageFolder(dir.path(), options);
  EXPECT_NEAR(dataset.samples().min().item<float>(), 50.0f / 255.0f, 1e-6);

  const std::string bytes = test::readFile(whole);
  const fs::path cut = dir / "a" / "cut.png";
  test::writeFile(cut, bytes.substr(0, bytes.size() * 6 / 10));
  const std::string message = userErrorOf([&] { loadImageFolder(dir.path(), options); });
  EXPECT_NE(message.find(cut.string() + " is cut short"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ImageFolderTest, AHeaderClaimingMorePixelsThanTheLimitThrowsBeforeDecoding) {
  // Found by scripts/fuzz (target image, a slow unit of 14 s): a 57-byte BMP
  // whose header claims 2 x 6,291,458 pixels, which stb would decode
  // (zero-filled) before our resize.
  TempDir dir;
  const fs::path tall = dir / "a" / "tall.png";  // a BMP: stb reads by content
  fs::create_directories(tall.parent_path());
  const std::string bmp(
      "\x42\x4d\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"
      "\x28\x00\x00\x00\x02\x00\x00\x00\x02\x00\x60\x00\x01\x00"
      "\x18\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\xff"
      "\xff\xff\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff\x00"
      "\x00",
      57);
  test::writeFile(tall, bmp);
  ImageFolderOptions options;
  options.maxSourcePixels = 12'000'000;
  const std::string message = userErrorOf([&] { loadImageFolder(dir.path(), options); });
  EXPECT_NE(message.find(tall.string() + " is 2x6291458 pixels, more than the 12000000"), std::string::npos) << message;
  // The limit is inclusive: a 40 x 30 PNG is read at 1,200 and refused at 1,199.
  TempDir other;
  writeSolidPng(other / "a.png", 40, 30, 200, 100, 50);
  options.maxSourcePixels = 1200;
  EXPECT_EQ(loadImageFolder(other.path(), options).size().value(), 1u);
  options.maxSourcePixels = 1199;
  EXPECT_NE(userErrorOf([&] { loadImageFolder(other.path(), options); }).find("is 40x30 pixels"), std::string::npos);
}

TEST(ImageFolderTest, EmptyOrMissingFolderThrowsNamingIt) {
  TempDir dir;
  fs::create_directories(dir / "sub");
  test::writeFile(dir / "sub" / "readme.txt", "no images here");
  std::string message = userErrorOf([&] { loadImageFolder(dir.path(), {}); });
  EXPECT_NE(message.find(dir.path().string()), std::string::npos) << message;
  EXPECT_NE(message.find("no .png"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  const fs::path missing = dir / "missing";
  message = userErrorOf([&] { loadImageFolder(missing, {}); });
  EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
}

}  // namespace
}  // namespace gantry::data
