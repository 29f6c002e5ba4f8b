#pragma once

#include <filesystem>
#include <string>

namespace gantry {

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so readers never see a half-written file and a failed write
/// leaves the old file intact. Throws UserError naming the file.
void writeFileAtomic(const std::filesystem::path& path, const std::string& text);

/// The whole file as a string. Throws UserError naming the file.
std::string readTextFile(const std::filesystem::path& path);

}  // namespace gantry
