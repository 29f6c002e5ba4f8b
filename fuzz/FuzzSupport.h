#pragma once
// What every fuzz target of this folder shares: the input written to a file
// (gantry's readers take paths, and a file is what users hand them), and the
// one outcome a bad file may have besides success: gantry::UserError, the
// one-line message the CLI prints with exit status 2. Any other exception
// escapes LLVMFuzzerTestOneInput and libFuzzer reports it as a crash: in the
// CLI it would be an "internal error".

#include "gantry/core/Error.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace gantry::fuzz {

/// A file of this process under $TMPDIR (or /tmp), named after `name`
/// (whose extension some readers look at), removed at exit.
inline std::filesystem::path scratchFile(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  auto dir = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("gantry-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  static const struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  return dir / name;
}

inline void writeBytes(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

/// Runs `read` on the input; a UserError is an accepted outcome.
template <typename Read>
void expectReadOrUserError(Read&& read) {
  try {
    read();
  } catch (const UserError&) {
  }
}

}  // namespace gantry::fuzz
