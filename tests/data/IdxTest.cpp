#include "gantry/data/Idx.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace gantry::data {
namespace {

using test::TempDir;

torch::Tensor sampleBytes() {
  return torch::arange(2 * 3 * 5, torch::kInt64).mul(37).remainder(256).to(torch::kUInt8).reshape({2, 3, 5});
}

using test::userErrorOf;

void expectOneLineNaming(const std::string& message, const std::filesystem::path& path) {
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(IdxTest, PlainRoundTripKeepsBytesAndShape) {
  TempDir dir;
  const auto path = dir / "data-idx3-ubyte";
  const torch::Tensor data = sampleBytes();
  writeIdx(path, data, /*gzip=*/false);

  // Exact layout: magic, big-endian dims, then the bytes.
  const std::string bytes = test::readFile(path);
  ASSERT_EQ(bytes.size(), 4u + 3 * 4 + 30);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\0\0\x08\x03", 4));
  EXPECT_EQ(bytes.substr(4, 4), std::string("\0\0\0\x02", 4));
  EXPECT_EQ(bytes.substr(12, 4), std::string("\0\0\0\x05", 4));

  const torch::Tensor back = readIdx(path);
  EXPECT_EQ(back.scalar_type(), torch::kUInt8);
  EXPECT_EQ(back.sizes(), data.sizes());
  EXPECT_TRUE(torch::equal(back, data));
}

TEST(IdxTest, GzipRoundTripKeepsValuesAndShape) {
  TempDir dir;
  const auto path = dir / "labels-idx1-ubyte.gz";
  const torch::Tensor data = torch::randint(0, 256, {1000}, torch::kInt64).to(torch::kUInt8);
  writeIdx(path, data, /*gzip=*/true);
  const std::string bytes = test::readFile(path);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);

  const torch::Tensor back = readIdx(path);
  EXPECT_EQ(back.sizes(), data.sizes());
  EXPECT_TRUE(torch::equal(back, data));
}

TEST(IdxTest, ContentDecidesCompressionNotName) {
  TempDir dir;
  const auto gzipWithoutSuffix = dir / "compressed";
  writeIdx(gzipWithoutSuffix, sampleBytes(), /*gzip=*/true);
  EXPECT_TRUE(torch::equal(readIdx(gzipWithoutSuffix), sampleBytes()));
}

TEST(IdxTest, TrailingBytesAreIgnored) {
  TempDir dir;
  const auto path = dir / "padded";
  writeIdx(path, sampleBytes(), false);
  test::writeFile(path, test::readFile(path) + "extra");
  EXPECT_TRUE(torch::equal(readIdx(path), sampleBytes()));
}

TEST(IdxTest, TruncatedPlainFileThrowsNamingIt) {
  TempDir dir;
  const auto path = dir / "short-idx3-ubyte";
  writeIdx(path, sampleBytes(), false);
  const std::string bytes = test::readFile(path);
  test::writeFile(path, bytes.substr(0, bytes.size() - 7));
  const std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("expected 30 bytes of data, got 23"), std::string::npos) << message;
}

TEST(IdxTest, AHeaderClaimingMoreThanTheFileCanHoldThrowsNamingIt) {
  TempDir dir;
  // MNIST's training header (60000 x 28 x 28, 47 MB) over six bytes of data.
  const std::string header("\0\0\x08\x03\0\0\xea\x60\0\0\0\x1c\0\0\0\x1c", 16);
  const auto plain = dir / "plain-idx3-ubyte";
  test::writeFile(plain, header + "abcdef");
  std::string message = userErrorOf([&] { readIdx(plain); });
  expectOneLineNaming(message, plain);
  EXPECT_NE(message.find("expected 47040000 bytes of data, got 6"), std::string::npos) << message;

  // Gzipped: deflate expands at most 1032-fold, so the first 100 bytes of a gzip file whose header
  // claims 600 x 28 x 28 bytes cannot hold them.
  const auto gzipped = dir / "cut-idx3-ubyte.gz";
  writeIdx(gzipped, torch::zeros({600, 28, 28}, torch::kUInt8), true);
  test::writeFile(gzipped, test::readFile(gzipped).substr(0, 100));
  message = userErrorOf([&] { readIdx(gzipped); });
  expectOneLineNaming(message, gzipped);
  EXPECT_NE(message.find("needs 470400 bytes of data, more than a gzip file of 100 bytes can hold"), std::string::npos)
      << message;
}

TEST(IdxTest, TruncatedHeaderThrows) {
  TempDir dir;
  const auto path = dir / "header-only";
  test::writeFile(path, std::string("\0\0\x08\x03\0\0\0\x02", 8));
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
  test::writeFile(path, "");
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
}

TEST(IdxTest, TruncatedGzipThrowsNamingIt) {
  TempDir dir;
  const auto path = dir / "cut.gz";
  // Random bytes do not compress, so cutting the stream in half loses data for sure.
  writeIdx(path, torch::randint(0, 256, {4000}, torch::kInt64).to(torch::kUInt8), true);
  const std::string bytes = test::readFile(path);
  test::writeFile(path, bytes.substr(0, bytes.size() / 2));
  const std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(IdxTest, GarbageGzipThrowsNamingIt) {
  TempDir dir;
  const auto path = dir / "garbage.gz";
  // A valid gzip member header (deflate, no flags) followed by bytes that are not a deflate stream.
  std::string bytes("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  for (int i = 0; i < 200; ++i) bytes.push_back(static_cast<char>(0xff - i));
  test::writeFile(path, bytes);
  const std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("corrupt"), std::string::npos) << message;
}

TEST(IdxTest, BadMagicThrowsNamingIt) {
  TempDir dir;
  const auto path = dir / "not-idx.png";
  test::writeFile(path, "\x89PNG\r\n\x1a\n0123456789abcdef");
  std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("bad header"), std::string::npos) << message;

  // Right magic but an unsupported element type (0x0D = float) and too many dimensions.
  test::writeFile(path, std::string("\0\0\x0d\x01\0\0\0\x01xxxx", 12));
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
  test::writeFile(path, std::string("\0\0\x08\x05\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\x01x", 25));
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
}

TEST(IdxTest, ImplausibleDimsThrow) {
  TempDir dir;
  const auto path = dir / "huge";
  // 65536 x 65536 bytes = 4 GiB: over the limit, must not try to allocate it.
  test::writeFile(path, std::string("\0\0\x08\x02\0\x01\0\0\0\x01\0\0", 12));
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
  test::writeFile(path, std::string("\0\0\x08\x01\0\0\0\0", 8));  // a zero dimension
  expectOneLineNaming(userErrorOf([&] { readIdx(path); }), path);
}

TEST(IdxTest, ImplausibleDimsAreShownAsTheHeaderHasThem) {
  TempDir dir;
  const auto path = dir / "zero-rows";
  // 0 x 28 x 28: the dims after the bad one are named too, not left at 0.
  test::writeFile(path, std::string("\0\0\x08\x03\0\0\0\0\0\0\0\x1c\0\0\0\x1c", 16));
  const std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("[0, 28, 28]"), std::string::npos) << message;
}

TEST(IdxTest, MissingFileThrowsNamingIt) {
  TempDir dir;
  const auto path = dir / "nowhere-idx1-ubyte";
  const std::string message = userErrorOf([&] { readIdx(path); });
  expectOneLineNaming(message, path);
  EXPECT_NE(message.find("not found"), std::string::npos) << message;
}

}  // namespace
}  // namespace gantry::data
