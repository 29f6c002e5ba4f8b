#include "gantry/io/ZipIntegrity.h"

#include <fmt/format.h>
#include <zip.h>

#include <memory>
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
    zip_int64_t n = 0;
    while ((n = zip_fread(file.get(), buffer.data(), buffer.size())) > 0) {
    }
    if (n < 0) {
      const int error = zip_error_code_zip(zip_file_get_error(file.get()));
      if (error == ZIP_ER_CRC) return fmt::format("checksum mismatch in record '{}'", record);
      return fmt::format("record '{}' unreadable: {}", record, zip_file_strerror(file.get()));
    }
  }
  return std::nullopt;
}

}  // namespace gantry::io
