#include "gantry/io/Npy.h"

#include "TestSupport.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace gantry::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

using test::userErrorOf;

/// The header dict as written (between the length field and the data).
std::string headerOf(const std::string& bytes) {
  const size_t length = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  return bytes.substr(10, length);
}

void expectRoundTrip(const torch::Tensor& tensor, const std::string& descr, const std::string& shape) {
  TempDir dir;
  const fs::path path = dir / "t.npy";
  writeNpy(path, tensor);
  const std::string bytes = test::readFile(path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::string header = headerOf(bytes);
  EXPECT_EQ((10 + header.size()) % 64, 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.rfind("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }", 0), 0u)
      << header;
  EXPECT_EQ(bytes.size(), 10 + header.size() + tensor.nbytes());

  const torch::Tensor back = readNpy(path);
  EXPECT_EQ(back.scalar_type(), tensor.scalar_type());
  EXPECT_EQ(back.sizes(), tensor.sizes());
  EXPECT_TRUE(torch::equal(back, tensor));
  // No temporary file is left next to the result.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(NpyTest, RoundTripsFloatIntAndByteTensors) {
  expectRoundTrip(torch::randn({7}), "<f4", "(7,)");
  expectRoundTrip(torch::randn({2, 3, 4}), "<f4", "(2, 3, 4)");
  expectRoundTrip(torch::randint(-1000000000000LL, 1000000000000LL, {5}, torch::kInt64), "<i8", "(5,)");
  expectRoundTrip(torch::arange(24, torch::kInt64).reshape({4, 3, 2}), "<i8", "(4, 3, 2)");
  expectRoundTrip(torch::arange(200, torch::kInt64).to(torch::kUInt8), "|u1", "(200,)");
  expectRoundTrip(torch::randint(0, 256, {3, 1, 2}, torch::kInt64).to(torch::kUInt8), "|u1", "(3, 1, 2)");
  expectRoundTrip(torch::zeros({10000, 1}), "<f4", "(10000, 1)");
}

TEST(NpyTest, NonContiguousTensorIsWrittenInLogicalOrder) {
  TempDir dir;
  const torch::Tensor transposed = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();
  writeNpy(dir / "t.npy", transposed);
  EXPECT_TRUE(torch::equal(readNpy(dir / "t.npy"), transposed));
}

TEST(NpyTest, ReadsNumPyStyleHeaders) {
  TempDir dir;
  const fs::path path = dir / "numpy.npy";
  const std::string data(
      "\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"
      "\x03\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00",
      32);
  // Version 2.0, double quotes, Python 2 longs, no trailing comma, Fortran order.
  std::string dict = "{\"shape\": (2L, 2L), \"fortran_order\": True, \"descr\": \"<i8\"}";
  dict += std::string(64 - (12 + dict.size() + 1) % 64, ' ') + "\n";
  std::string bytes("\x93NUMPY\x02\x00", 8);
  bytes += {static_cast<char>(dict.size()), 0, 0, 0};
  test::writeFile(path, bytes + dict + data);
  // Fortran order: column-major, so the first column holds 1, 2.
  EXPECT_TRUE(torch::equal(readNpy(path), torch::tensor({{1, 3}, {2, 4}}, torch::kInt64)));

  // A 0-d array and a '<f8' array in NumPy 1.0 layout.
  dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }";
  dict += std::string(64 - (10 + dict.size() + 1) % 64, ' ') + "\n";
  bytes = std::string("\x93NUMPY\x01\x00", 8) + std::string{static_cast<char>(dict.size()), 0};
  const double value = 2.5;
  test::writeFile(path, bytes + dict + std::string(reinterpret_cast<const char*>(&value), 8));
  const torch::Tensor scalar = readNpy(path);
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.scalar_type(), torch::kFloat64);
  EXPECT_EQ(scalar.item<double>(), 2.5);
}

TEST(NpyTest, InvalidFilesThrowNamingThem) {
  TempDir dir;
  const fs::path path = dir / "bad.npy";
  test::writeFile(path, "PK\x03\x04 this is a zip, not an npy");
  std::string message = userErrorOf([&] { readNpy(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("magic"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // Truncated data.
  writeNpy(path, torch::ones({100}));
  const std::string bytes = test::readFile(path);
  test::writeFile(path, bytes.substr(0, bytes.size() - 4));
  message = userErrorOf([&] { readNpy(path); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;

  // Unsupported dtype and a mangled dict.
  std::string header = bytes.substr(0, 10 + headerOf(bytes).size());
  std::string changed = header;
  changed.replace(changed.find("<f4"), 3, "<c8");
  test::writeFile(path, changed + bytes.substr(header.size()));
  message = userErrorOf([&] { readNpy(path); });
  EXPECT_NE(message.find("<c8"), std::string::npos) << message;
  EXPECT_EQ(message.find("not a valid"), std::string::npos) << message;  // the file is valid, its type unread
  EXPECT_NE(message.find("astype('float32')"), std::string::npos) << message;
  changed = header;
  changed.replace(changed.find("(100,)"), 6, "[100] ");
  test::writeFile(path, changed + bytes.substr(header.size()));
  EXPECT_NE(userErrorOf([&] { readNpy(path); }).find(path.string()), std::string::npos);

  // A shape far larger than the file must be refused, not allocated.
  changed = header;
  changed.replace(changed.find("(100,)"), 6, "(9223372036854775807,)");
  changed.erase(changed.size() - 17, 16);  // keep the header length unchanged
  test::writeFile(path, changed + bytes.substr(header.size()));
  EXPECT_NE(userErrorOf([&] { readNpy(path); }).find(path.string()), std::string::npos);

  EXPECT_NE(userErrorOf([&] { readNpy(dir / "missing.npy"); }).find("missing.npy"), std::string::npos);
}

TEST(NpyTest, NumPyReadsWhatWeWrite) {
  TempDir dir;
  const fs::path path = dir / "scores.npy";
  writeNpy(path, torch::arange(12, torch::kFloat32).reshape({3, 4}).div(4));
  // Debian's python3, where scripts/setup installs python3-numpy.
  if (test::runCommand("/usr/bin/python3 -c 'import numpy'").exitCode != 0) GTEST_SKIP() << "numpy is not installed";
  const auto result = test::runCommand("/usr/bin/python3 -c \"import numpy as np; a = np.load('" + path.string() +
                                       "'); print(a.dtype, a.shape, a[2, 3], a.flags['C_CONTIGUOUS'])\"");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "float32 (3, 4) 2.75 True\n");
}

}  // namespace
}  // namespace gantry::io
