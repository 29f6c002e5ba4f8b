#include "gantry/core/AtomicFile.h"

#include "gantry/core/Error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gantry {

namespace {

/// Writes all of `bytes` to `fd`, through short writes and signals.
bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

/// Makes a rename in `dir` survive a crash. Some file systems cannot sync a
/// folder (EINVAL); the file's own data is synced by then, so that is not
/// an error.
void syncFolder(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void writeFileAtomic(const std::filesystem::path& path, std::initializer_list<std::string_view> pieces) {
  auto tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  const auto fail = [&](int error) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw UserError(fmt::format("cannot write {} ({}); check that its folder is writable and the disk has room",
                                path.string(), std::strerror(error)));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  bool ok = true;
  for (const std::string_view piece : pieces) ok = ok && writeAll(fd, piece);
  // The data reaches the disk before the rename makes it the file: a crash
  // then leaves the old file or the new one, never an empty one.
  ok = ok && ::fsync(fd) == 0;
  const int error = errno;
  if (::close(fd) != 0 && ok) fail(errno);
  if (!ok) fail(error);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno);
  syncFolder(path.parent_path());
}

void writeFileAtomic(const std::filesystem::path& path, const std::string& text) {
  writeFileAtomic(path, std::initializer_list<std::string_view>{text});
}

void createFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError(fmt::format("cannot create folder {} ({}); check the path", dir.string(), ec.message()));
}

void createParentFolder(const std::filesystem::path& path) {
  if (path.has_parent_path()) createFolder(path.parent_path());
}

std::string readTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read {}; check that it exists", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace gantry
