#include "gantry/io/ZipIntegrity.h"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <sstream>
#include <vector>

namespace gantry::io {

namespace {

std::string zipErrorText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

/// Whether `text` at `at` is a type of the module descriptions LibTorch
/// writes for gantry's checkpoints: Tensor, bool, float, int, str, a nested
/// module (__torch__.___torch_mangle_N.Module), or List, Tuple, Optional,
/// Dict of those, nested at most 3 deep. Advances `at` past it.
bool readType(const std::string& text, size_t& at, int depth = 0) {
  static const std::regex kBase(R"(^(Tensor|bool|float|int|str|__torch__(\.___torch_mangle_[0-9]{1,6})?\.Module))");
  static const std::regex kGeneric(R"(^(List|Tuple|Optional|Dict)\[)");
  std::smatch match;
  const std::string rest = text.substr(at);
  if (std::regex_search(rest, match, kBase)) {
    at += static_cast<size_t>(match.length(0));
    return true;
  }
  if (depth >= 3 || !std::regex_search(rest, match, kGeneric)) return false;
  at += static_cast<size_t>(match.length(0));
  for (bool first = true;; first = false) {
    if (!first) {
      if (text.compare(at, 2, ", ") != 0) break;
      at += 2;
    }
    if (!readType(text, at, depth + 1)) return false;
  }
  if (at >= text.size() || text[at] != ']') return false;
  ++at;
  return true;
}

/// What is wrong with a code/ record, or nothing when it is of the small
/// form LibTorch writes for a module of attributes (what gantry's
/// checkpoints hold: no methods, no expressions). LibTorch compiles these
/// records with its TorchScript frontend, which a crafted record with
/// matching CRCs crashed (scripts/fuzz); anything else is refused first.
std::optional<std::string> codeRecordError(const std::string& text) {
  static const std::regex kList(R"(  __(parameters|buffers)__ = \[(("[A-Za-z0-9_./ -]{0,200}"), )*\])");
  static const std::regex kAnnotationKey(R"(  __annotations__\["[A-Za-z0-9_./ -]{0,200}"\] = )");
  static const std::regex kAttribute(R"(  [A-Za-z_][A-Za-z0-9_]{0,100} : )");
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    std::smatch match;
    size_t at = 0;
    bool ok = line.empty() || line == "class Module(Module):" || line == "  __annotations__ = []" ||
              std::regex_match(line, kList);
    if (!ok && (std::regex_search(line, match, kAnnotationKey, std::regex_constants::match_continuous) ||
                std::regex_search(line, match, kAttribute, std::regex_constants::match_continuous))) {
      at = static_cast<size_t>(match.length(0));
      ok = readType(line, at) && at == line.size();
    }
    if (!ok) return fmt::format("line {} is not of the module descriptions gantry writes", number);
  }
  return std::nullopt;
}

bool isCodeRecord(const std::string& name) {
  return name.find("/code/") != std::string::npos && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
}

}  // namespace

std::optional<std::string> zipIntegrityError(const std::filesystem::path& path) {
  int code = 0;
  // ZIP_CHECKCONS: the central directory must agree with the local headers.
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code),
                                                         &zip_discard);
  if (!archive) return fmt::format("not a readable zip file: {}", zipErrorText(code));
  const zip_int64_t records = zip_get_num_entries(archive.get(), 0);
  // Intact, but no LibTorch archive: refused here, before LibTorch's reader
  // (which leaks on that path; found by scripts/fuzz).
  if (records <= 0) return std::string("an empty zip file, no record in it");
  std::vector<char> buffer(1 << 20);
  for (zip_int64_t i = 0; i < records; ++i) {
    const char* name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    const std::string record = name ? name : fmt::format("#{}", i);
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
        zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0), &zip_fclose);
    if (!file) return fmt::format("record '{}' unreadable: {}", record, zip_strerror(archive.get()));
    // libzip compares the CRC-32 once the record is read to its end.
    const bool code = isCodeRecord(record);
    std::string text;
    zip_int64_t n = 0;
    while ((n = zip_fread(file.get(), buffer.data(), buffer.size())) > 0)
      if (code && text.size() < (1 << 20)) text.append(buffer.data(), static_cast<size_t>(n));
    if (n < 0) {
      const int error = zip_error_code_zip(zip_file_get_error(file.get()));
      if (error == ZIP_ER_CRC) return fmt::format("checksum mismatch in record '{}'", record);
      return fmt::format("record '{}' unreadable: {}", record, zip_file_strerror(file.get()));
    }
    if (code) {
      if (text.size() >= (1 << 20)) return fmt::format("record '{}' is larger than any gantry writes", record);
      if (auto error = codeRecordError(text)) return fmt::format("record '{}': {}", record, *error);
    }
  }
  return std::nullopt;
}

std::vector<uint64_t> tensorRecordSizes(const std::filesystem::path& path) {
  int code = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY, &code), &zip_discard);
  std::vector<uint64_t> sizes;
  if (!archive) return sizes;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive.get(), 0); ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &stat) != 0 || !stat.name) continue;
    const std::string name = stat.name;
    if (name.find("/data/") != std::string::npos && stat.size > 0) sizes.push_back(stat.size);
  }
  std::sort(sizes.begin(), sizes.end());
  return sizes;
}

}  // namespace gantry::io
