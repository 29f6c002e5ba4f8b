#include "gantry/app/RunLock.h"

#include "gantry/core/Error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <regex>

namespace gantry::app {

namespace {

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown host";
  return name;
}

std::string contentsOf(int fd) {
  std::string text(256, '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

bool processAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

/// Removes `name.tmp-PID` files (writeFileAtomic's) of processes that no
/// longer run: a write killed between its start and its rename.
int removeDeadTempFiles(const std::filesystem::path& folder) {
  static const std::regex temp(R"(.*\.tmp-([0-9]+))");
  int removed = 0;
  std::error_code ec;
  for (const auto& dir : {folder, folder / "samples"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::smatch match;
      const auto name = entry.path().filename().string();
      if (!std::regex_match(name, match, temp)) continue;
      // A number no process id can be (beyond pid_t) is not a write of ours.
      pid_t pid = 0;
      const auto digits = match[1].str();
      if (std::from_chars(digits.data(), digits.data() + digits.size(), pid).ec != std::errc() || processAlive(pid))
        continue;
      if (std::filesystem::remove(entry.path(), ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace

std::filesystem::path lockFile(const std::filesystem::path& folder) { return folder / ".lock"; }

RunLock::RunLock(const std::filesystem::path& folder, const std::string& command) : path_(lockFile(folder)) {
  const auto& path = path_;
  // A lock file is removed by the holder that created it when its start
  // fails: the file locked must still be the one at `path` (else retry).
  for (int attempt = 1;; ++attempt) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    created_ = fd_ >= 0;
    if (!created_ && errno == EEXIST) {
      fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd_ < 0 && errno == ENOENT && attempt < 100) continue;  // removed between the two opens
    }
    if (fd_ < 0)
      throw UserError(
          fmt::format("cannot open {} ({}); check the folder's permissions", path.string(), std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const auto holder = contentsOf(fd_);
      ::close(fd_);
      fd_ = -1;
      if (error != EWOULDBLOCK)
        throw UserError(fmt::format("cannot lock {} ({})", path.string(), std::strerror(error)));
      throw UserError(fmt::format("run folder {} is in use by {}; wait for it to finish or choose another --out",
                                  folder.string(), holder.empty() ? "another process" : holder));
    }
    struct stat locked;
    struct stat current;
    if (::fstat(fd_, &locked) == 0 && ::stat(path.c_str(), &current) == 0 && locked.st_ino == current.st_ino &&
        locked.st_dev == current.st_dev)
      break;
    ::close(fd_);
    fd_ = -1;
    if (attempt >= 100)
      throw UserError(
          fmt::format("cannot lock {}: it keeps being replaced; is another program removing it?", path.string()));
  }
  const auto previous = contentsOf(fd_);
  if (!previous.empty())
    notes_ += fmt::format("took over run folder {} from {}, which no longer runs\n", folder.string(), previous);
  const auto holder = fmt::format("{} (pid {} on {})", command, ::getpid(), hostName());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) < 0)
    throw UserError(fmt::format("cannot write {} ({}); check free space", path.string(), std::strerror(errno)));
  if (int removed = removeDeadTempFiles(folder))
    notes_ += fmt::format("removed {} temporary file(s) of an interrupted write in {}\n", removed, folder.string());
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // Unlinked while still locked: a process waiting on this file sees it
  // is gone (the check after flock) and creates a new one.
  if (created_ && !keepFile_) {
    ::unlink(path_.c_str());
    ::close(fd_);
    return;
  }
  // Empty: the next holder then knows this one ended normally.
  if (::ftruncate(fd_, 0) != 0) {
  }
  ::close(fd_);
}

}  // namespace gantry::app
