// writeFileAtomic (gantry/core/AtomicFile.h): what readers see and what a
// failed write leaves behind.
#include "gantry/core/AtomicFile.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace gantry {
namespace {

namespace fs = std::filesystem;

size_t entriesIn(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicFileTest, ReplacesTheFileAndLeavesNoTemporary) {
  test::TempDir dir;
  const auto path = dir / "config.toml";
  writeFileAtomic(path, "old = 1\n");
  writeFileAtomic(path, "new = 2\n");
  EXPECT_EQ(test::readFile(path), "new = 2\n");
  EXPECT_EQ(entriesIn(dir.path()), 1u);
}

TEST(AtomicFileTest, PiecesAreWrittenInOrderWithTheirZeroBytes) {
  test::TempDir dir;
  const auto path = dir / "t.bin";
  const std::string binary("\0\x93\0", 3);
  writeFileAtomic(path, {"head", "", binary, std::string(100000, 'x')});
  EXPECT_EQ(test::readFile(path), "head" + binary + std::string(100000, 'x'));
}

TEST(AtomicFileTest, AFailedWriteNamesTheFileAndLeavesNothingBehind) {
  test::TempDir dir;
  // A folder where the file should go: the rename fails after the data was written.
  const auto path = dir / "checkpoint.pt";
  fs::create_directory(path);
  const std::string message = test::userErrorOf([&] { writeFileAtomic(path, "weights"); });
  EXPECT_NE(message.find("cannot write " + path.string()), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(entriesIn(dir.path()), 1u);  // no checkpoint.pt.tmp-PID left
  EXPECT_TRUE(fs::is_directory(path));

  // A parent that is a file: nothing can be created.
  const auto blocked = dir / "t.bin";
  test::writeFile(blocked, "x");
  EXPECT_NE(test::userErrorOf([&] { writeFileAtomic(blocked / "inner.json", "{}"); }).find("inner.json"),
            std::string::npos);
  EXPECT_EQ(test::readFile(blocked), "x");
}

}  // namespace
}  // namespace gantry
