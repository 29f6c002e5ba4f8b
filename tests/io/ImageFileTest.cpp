// The checks every reader of user images goes through (io::decodeImage):
// image folders, gantry latent invert and gantry show alike.
#include "gantry/io/ImageFile.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"
#include "gantry/io/TerminalImage.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace gantry::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::userErrorOf;

/// An 8 x 8 BMP of one colour (200, 100, 50) at `path`.
void writeBmp(const fs::path& path) {
  std::vector<unsigned char> pixels;
  for (int i = 0; i < 64; ++i) pixels.insert(pixels.end(), {200, 100, 50});
  ASSERT_TRUE(stbi_write_bmp(path.c_str(), 8, 8, 3, pixels.data()));
}

TEST(ImageFileTest, ReadRgbImageRefusesABmpCutShortWhichItReadAsBlackRows) {
  // gantry latent invert read its targets with stb alone: a BMP cut to 60%
  // came back whole, its missing rows black, and was inverted as such.
  TempDir dir;
  writeBmp(dir / "whole.bmp");
  const auto image = readRgbImage(dir / "whole.bmp");
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{8, 8, 3}));
  EXPECT_EQ(image.min().item<int>(), 50);
  const std::string bytes = test::readFile(dir / "whole.bmp");
  test::writeFile(dir / "cut.bmp", bytes.substr(0, bytes.size() * 6 / 10));
  const auto message = userErrorOf([&] { readRgbImage(dir / "cut.bmp"); });
  EXPECT_NE(message.find((dir / "cut.bmp").string() + " is cut short"), std::string::npos) << message;
}

TEST(ImageFileTest, MorePixelsThanTheCapAreRefusedBeforeDecoding) {
  // gantry show of a 157 KB PNG declaring 7000 x 7000 pixels took 1.45 GB.
  TempDir dir;
  writeBmp(dir / "a.bmp");
  const std::string bytes = test::readFile(dir / "a.bmp");
  EXPECT_EQ(decodeImage(bytes, dir / "a.bmp", 3, 64).width, 8);
  const auto message = userErrorOf([&] { decodeImage(bytes, dir / "a.bmp", 3, 63); });
  EXPECT_NE(message.find("is 8x8 pixels, more than the 63"), std::string::npos) << message;
}

TEST(ImageFileTest, WhatIsNoImageIsOneLineNamingIt) {
  TempDir dir;
  test::writeFile(dir / "text.png", "not an image");
  const auto message = userErrorOf([&] { readRgbImage(dir / "text.png"); });
  EXPECT_NE(message.find("cannot read image " + (dir / "text.png").string()), std::string::npos) << message;
  EXPECT_NE(userErrorOf([&] { readRgbImage(dir / "none.png"); }).find("no such file"), std::string::npos);
}

}  // namespace
}  // namespace gantry::io
