#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace gantry {

/// Writes `text` to a temporary file beside `path`, syncs it to the disk
/// and renames it over `path`, so readers never see a half-written file and
/// neither a failed write nor a crash loses the old one. Throws UserError
/// naming the file.
void writeFileAtomic(const std::filesystem::path& path, const std::string& text);
/// The same for a file written in pieces (a header and a tensor's bytes),
/// without joining them first.
void writeFileAtomic(const std::filesystem::path& path, std::initializer_list<std::string_view> pieces);

/// Creates the folder `path` is to be written into, and its parents, when
/// missing. Throws UserError naming the folder (a parent that is a file, no
/// permission), before any work whose result could not be written.
void createParentFolder(const std::filesystem::path& path);

/// Creates the folder `dir` and its parents when missing; UserError as above.
void createFolder(const std::filesystem::path& dir);

/// The whole file as a string. Throws UserError naming the file.
std::string readTextFile(const std::filesystem::path& path);

}  // namespace gantry
