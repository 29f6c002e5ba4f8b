#include "gantry/io/Png.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <stb_image.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

namespace gantry::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

/// Loads a PNG with stb as uint8 [H, W, C] in the file's own channel count.
torch::Tensor loadWithStb(const fs::path& path) {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(stbi_load(path.c_str(), &width, &height, &channels, 0),
                                                         stbi_image_free);
  if (!pixels) return {};
  return torch::from_blob(pixels.get(), {height, width, channels}, torch::kUInt8).clone();
}

TEST(PngTest, MakeGridPlacesImagesRowMajorWithPadding) {
  // 5 images of 1 x 2 x 3, image k filled with k / 7 (bytes round(36.43 k): no ties to round).
  const torch::Tensor images = torch::arange(5, torch::kFloat32).div(7).reshape({5, 1, 1, 1}).expand({5, 1, 2, 3});
  const torch::Tensor grid = makeGrid(images, /*cols=*/3, /*pad=*/1, /*padValue=*/0.5);
  ASSERT_EQ(grid.scalar_type(), torch::kUInt8);
  // 2 rows, 3 cols: [2 * (2 + 1) + 1, 3 * (3 + 1) + 1, 1].
  ASSERT_EQ(grid.sizes(), torch::IntArrayRef({7, 13, 1}));
  const auto at = grid.accessor<uint8_t, 3>();
  for (int64_t k = 0; k < 5; ++k) {
    const int64_t top = 1 + (k / 3) * 3;
    const int64_t left = 1 + (k % 3) * 4;
    const auto expected = static_cast<uint8_t>(std::lround(k / 7.0 * 255));
    for (int64_t y = 0; y < 2; ++y) {
      for (int64_t x = 0; x < 3; ++x) EXPECT_EQ(at[top + y][left + x][0], expected) << "image " << k;
    }
  }
  // Padding rows/columns and the unused sixth cell hold round(0.5 * 255) = 128.
  for (int64_t x = 0; x < 13; ++x) {
    EXPECT_EQ(at[0][x][0], 128);
    EXPECT_EQ(at[3][x][0], 128);
    EXPECT_EQ(at[6][x][0], 128);
  }
  for (int64_t y = 0; y < 7; ++y) {
    EXPECT_EQ(at[y][0][0], 128);
    EXPECT_EQ(at[y][4][0], 128);
    EXPECT_EQ(at[y][12][0], 128);
  }
  EXPECT_EQ(at[4][9][0], 128);
  EXPECT_EQ(at[5][11][0], 128);
}

TEST(PngTest, MakeGridClampsAndKeepsChannels) {
  torch::Tensor images = torch::zeros({2, 3, 2, 2});
  images[0][0] = 2.0;                                       // clamped to 1
  images[0][1] = -1.0;                                      // clamped to 0
  images[1][2] = 0.2;                                       // 51
  const torch::Tensor grid = makeGrid(images, /*cols=*/2);  // default pad 2, white
  ASSERT_EQ(grid.sizes(), torch::IntArrayRef({6, 10, 3}));
  EXPECT_TRUE(torch::equal(grid[2][2], torch::tensor({255, 0, 0}, torch::kUInt8)));
  EXPECT_TRUE(torch::equal(grid[3][7], torch::tensor({0, 0, 51}, torch::kUInt8)));
  EXPECT_TRUE(torch::equal(grid[0][0], torch::tensor({255, 255, 255}, torch::kUInt8)));
  EXPECT_TRUE(torch::equal(grid[3][5], torch::tensor({255, 255, 255}, torch::kUInt8)));  // padding between
}

TEST(PngTest, WrittenPngReadsBackIdentically) {
  TempDir dir;
  for (int64_t channels : {1, 3, 4}) {
    const fs::path path = dir / ("image" + std::to_string(channels) + ".png");
    const torch::Tensor image = torch::randint(0, 256, {17, 23, channels}, torch::kInt64).to(torch::kUInt8);
    writePng(path, image);
    EXPECT_TRUE(torch::equal(loadWithStb(path), image)) << channels << " channels";
  }
  // [H, W] is a gray image.
  const torch::Tensor gray = torch::arange(6 * 4, torch::kInt64).mul(10).to(torch::kUInt8).reshape({6, 4});
  writePng(dir / "gray.png", gray);
  EXPECT_TRUE(torch::equal(loadWithStb(dir / "gray.png"), gray.unsqueeze(2)));
  // Atomic write leaves no temporary files behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 4);
}

TEST(PngTest, GridWritesAsPng) {
  TempDir dir;
  const torch::Tensor grid = makeGrid(torch::rand({7, 1, 28, 28}), 4);
  writePng(dir / "grid.png", grid);
  EXPECT_TRUE(torch::equal(loadWithStb(dir / "grid.png"), grid));
}

TEST(PngTest, UnwritableFolderThrowsNamingTheFile) {
  TempDir dir;
  const fs::path path = dir / "no-such-folder" / "out.png";
  try {
    writePng(path, torch::zeros({2, 2}, torch::kUInt8));
    FAIL() << "expected a gantry::UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace gantry::io
