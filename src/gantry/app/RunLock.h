#pragma once

#include <filesystem>
#include <string>

namespace gantry::app {

/// One training process per run folder. An advisory lock (flock) on the
/// folder's `.lock` file, held for the life of the object, with the holder's
/// PID and host written in it for the message a second process gets. The
/// kernel drops the lock when its process dies, however it dies, so a stale
/// lock cannot outlive a killed run; the next holder notes that it took the
/// folder over. Holding the lock, the constructor removes the temporary files
/// of writes that a killed process left behind.
class RunLock {
 public:
  /// Takes the lock of `folder` (which must exist) for `command` ("gantry
  /// train"). Throws UserError naming the holder when another process has it.
  RunLock(const std::filesystem::path& folder, const std::string& command);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  /// What the constructor noticed (a dead holder, temp files removed), one
  /// line each; empty when nothing.
  const std::string& notes() const { return notes_; }

  /// The folder now holds a run: its lock file stays when the lock is
  /// released. Until then, a lock file this lock created is removed with it,
  /// so that a start that fails leaves the folder as it found it.
  void keepFile() { keepFile_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool created_ = false;
  bool keepFile_ = false;
  std::string notes_;
};

/// The file of `folder`'s lock.
std::filesystem::path lockFile(const std::filesystem::path& folder);

}  // namespace gantry::app
