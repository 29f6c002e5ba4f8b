#include "gantry/data/Idx.h"

#include "gantry/core/Error.h"

#include <torch/torch.h>
#include <zlib.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr int kMaxDims = 4;
// Anything larger is not a dataset gantry can hold in memory; it is far more likely a corrupt header.
constexpr int64_t kMaxDataBytes = int64_t{1} << 31;
constexpr int64_t kReadChunk = int64_t{1} << 30;  // gzread takes an unsigned int length
// Deflate cannot expand a stream more than 1032-fold (zlib's technical details), so a file of n bytes
// holds at most 1032 n bytes of data: a header claiming more is refused before its tensor is allocated.
constexpr int64_t kMaxDeflateRatio = 1032;
// zlib's input buffer (its output buffer is twice this). Large reads inflate straight into the tensor,
// so a bigger buffer does not speed up MNIST; it only costs each open an allocation.
constexpr unsigned kGzBufferBytes = 64 * 1024;

const char* const kRefetchHint = "run scripts/setup to fetch it again";

std::string quoted(const fs::path& path) { return path.string(); }

std::string shapeString(const std::vector<int64_t>& dims) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
  out << "]";
  return out.str();
}

/// Owns a zlib file handle so every error path closes it.
class GzFile {
 public:
  GzFile(const fs::path& path, const char* mode) : file_(gzopen(path.c_str(), mode)) {}
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  gzFile get() const { return file_; }
  /// Closes the file, returning zlib's status (Z_OK on success), so writers can detect a failed flush.
  int close() {
    int status = file_ != nullptr ? gzclose(file_) : Z_OK;
    file_ = nullptr;
    return status;
  }

 private:
  gzFile file_;
};

/// zlib's message, without the "<path>: " prefix it adds (the caller names the file already).
std::string zlibMessage(gzFile file, const fs::path& path, int* errnum) {
  std::string message = gzerror(file, errnum);
  const std::string prefix = path.string() + ": ";
  if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

/// Reads up to `size` bytes, fewer only when the data ends early. A corrupt gzip stream throws;
/// a truncated one just comes back short (zlib flags it as Z_BUF_ERROR and returns what it had).
int64_t readUpTo(gzFile file, const fs::path& path, void* buffer, int64_t size) {
  auto* out = static_cast<char*>(buffer);
  int64_t total = 0;
  while (total < size) {
    const auto chunk = static_cast<unsigned>(std::min(size - total, kReadChunk));
    const int got = gzread(file, out + total, chunk);
    if (got < 0) {
      int errnum = Z_OK;
      std::string message = zlibMessage(file, path, &errnum);
      if (errnum == Z_ERRNO) message = std::strerror(errno);
      throw UserError("IDX file " + quoted(path) + " is corrupt or unreadable (" + message + "); " + kRefetchHint);
    }
    if (got == 0) break;
    total += got;
  }
  return total;
}

UserError truncated(const fs::path& path, const std::string& how, int64_t expected, const char* what, int64_t got) {
  return UserError("IDX file " + quoted(path) + " is truncated" + how + " (expected " + std::to_string(expected) +
                   " bytes of " + what + ", got " + std::to_string(got) + "); " + kRefetchHint);
}

void readExactly(gzFile file, const fs::path& path, void* buffer, int64_t size, const char* what) {
  const int64_t got = readUpTo(file, path, buffer, size);
  if (got < size) {
    int errnum = Z_OK;
    zlibMessage(file, path, &errnum);
    throw truncated(path, errnum == Z_BUF_ERROR ? " (the gzip stream ends early)" : "", size, what, got);
  }
}

uint32_t bigEndian32(const unsigned char* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
}

/// Refuses, before the tensor is allocated, a header claiming more data than the file can hold: a
/// corrupt header could otherwise allocate up to 2 GiB only to find the data missing.
void refuseDataTheFileCannotHold(gzFile file, const fs::path& path, const std::vector<int64_t>& dims, int64_t numBytes,
                                 int64_t headerBytes) {
  std::error_code ec;
  const auto fileBytes = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return;  // the read itself will say what is missing
  if (gzdirect(file)) {
    const int64_t held = std::max<int64_t>(fileBytes - headerBytes, 0);
    if (numBytes > held) throw truncated(path, "", numBytes, "data", held);
  } else if (numBytes > kMaxDeflateRatio * fileBytes) {
    throw UserError("IDX file " + quoted(path) + " is truncated (its header " + shapeString(dims) + " needs " +
                    std::to_string(numBytes) + " bytes of data, more than a gzip file of " + std::to_string(fileBytes) +
                    " bytes can hold); " + kRefetchHint);
  }
}

}  // namespace

torch::Tensor readIdx(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw UserError("IDX file " + quoted(path) + " not found; " + kRefetchHint);
  }
  if (!fs::is_regular_file(path, ec)) {
    throw UserError("IDX path " + quoted(path) + " is not a regular file; point it at an IDX file");
  }
  GzFile file(path, "rb");
  if (file.get() == nullptr) {
    throw UserError("cannot open IDX file " + quoted(path) + " (" + std::strerror(errno) + "); check its permissions");
  }
  gzbuffer(file.get(), kGzBufferBytes);

  unsigned char magic[4];
  readExactly(file.get(), path, magic, sizeof magic, "header");
  const int ndim = magic[3];
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != kUnsignedByteType || ndim < 1 || ndim > kMaxDims) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
    throw UserError("IDX file " + quoted(path) + " has a bad header (magic bytes " + hex +
                    ", expected 00 00 08 and 1-4 dimensions); it is not an unsigned-byte IDX file, " + kRefetchHint);
  }

  unsigned char dimBytes[4 * kMaxDims];
  readExactly(file.get(), path, dimBytes, 4 * ndim, "header");
  std::vector<int64_t> dims(ndim);
  for (int i = 0; i < ndim; ++i) dims[i] = bigEndian32(dimBytes + 4 * i);
  // All dims are read before any is judged, so a refusal shows the header's whole shape.
  int64_t numBytes = 1;
  for (const int64_t dim : dims) {
    // Each dim is < 2^32 and the running product stays < 2^31, so this cannot overflow int64.
    if (dim > 0) numBytes *= dim;
    if (dim <= 0 || numBytes >= kMaxDataBytes) {
      throw UserError("IDX file " + quoted(path) + " has implausible dimensions " + shapeString(dims) +
                      " (each must be positive and the data under 2 GiB); " + kRefetchHint);
    }
  }

  refuseDataTheFileCannotHold(file.get(), path, dims, numBytes, 4 + 4 * int64_t{ndim});
  torch::Tensor data = torch::empty(dims, torch::kUInt8);
  readExactly(file.get(), path, data.data_ptr<uint8_t>(), numBytes, "data");
  // Bytes after the data are ignored: some mirrors append padding, and it does not affect the values.
  return data;
}

void writeIdx(const fs::path& path, const torch::Tensor& data, bool gzip) {
  if (!data.defined() || data.scalar_type() != torch::kUInt8 || data.dim() < 1 || data.dim() > kMaxDims) {
    throw std::invalid_argument("writeIdx: expected a uint8 tensor with 1-4 dims");
  }
  const torch::Tensor bytes = data.to(torch::kCPU).contiguous();
  std::string header = {0, 0, static_cast<char>(kUnsignedByteType), static_cast<char>(bytes.dim())};
  for (int64_t dim : bytes.sizes()) {
    if (dim > INT32_MAX) throw std::invalid_argument("writeIdx: dimension too large for IDX");
    const auto value = static_cast<uint32_t>(dim);
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<char>((value >> shift) & 0xff));
  }

  // Atomic: readers never see a half-written file, and a failed write leaves the old file in place.
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  const auto fail = [&](const std::string& reason) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw UserError("cannot write IDX file " + quoted(path) + " (" + reason +
                    "); check that its folder exists and is writable");
  };
  const auto* payload = static_cast<const char*>(bytes.data_ptr());
  const int64_t payloadSize = bytes.numel();
  if (gzip) {
    GzFile file(tmp, "wb");
    if (file.get() == nullptr) fail(std::strerror(errno));
    bool ok =
        gzwrite(file.get(), header.data(), static_cast<unsigned>(header.size())) == static_cast<int>(header.size());
    for (int64_t offset = 0; ok && offset < payloadSize; offset += kReadChunk) {
      const auto chunk = static_cast<unsigned>(std::min(payloadSize - offset, kReadChunk));
      ok = gzwrite(file.get(), payload + offset, chunk) == static_cast<int>(chunk);
    }
    if (file.close() != Z_OK || !ok) fail("write failed");
  } else {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(payload, static_cast<std::streamsize>(payloadSize));
    out.close();
    if (!out) fail("write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail(ec.message());
}

}  // namespace gantry::data
