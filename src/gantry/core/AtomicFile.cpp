#include "gantry/core/AtomicFile.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace gantry {

void writeFileAtomic(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw UserError(fmt::format("cannot write {}; check permissions and free space", path.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw UserError(fmt::format("cannot write {} ({})", path.string(), ec.message()));
  }
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
