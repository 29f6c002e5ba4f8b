#pragma once

#include <filesystem>
#include <string>

namespace gantry {

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so readers never see a half-written file and a failed write
/// leaves the old file intact. Throws UserError naming the file.
void writeFileAtomic(const std::filesystem::path& path, const std::string& text);

/// Creates the folder `path` is to be written into, and its parents, when
/// missing. Throws UserError naming the folder (a parent that is a file, no
/// permission), before any work whose result could not be written.
void createParentFolder(const std::filesystem::path& path);

/// Creates the folder `dir` and its parents when missing; UserError as above.
void createFolder(const std::filesystem::path& dir);

/// The whole file as a string. Throws UserError naming the file.
std::string readTextFile(const std::filesystem::path& path);

}  // namespace gantry
