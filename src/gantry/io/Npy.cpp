#include "gantry/io/Npy.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"

#include <torch/torch.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

// .npy data is little-endian and written/read here with plain memcpy.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "gantry's .npy I/O assumes a little-endian host");

namespace gantry::io {
namespace {

namespace fs = std::filesystem;

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kHeaderAlignment = 64;  // NumPy pads the header so the data starts 64-byte aligned
// A header longer than this is not one NumPy would write; refuse rather than allocate blindly.
constexpr uint32_t kMaxHeaderLength = 1 << 20;

struct DType {
  const char* descr;
  torch::ScalarType type;
};

// '<u1' is accepted on reading too: endianness is meaningless for one byte and some writers use it.
constexpr DType kDTypes[] = {
    {"<f4", torch::kFloat32}, {"<f8", torch::kFloat64}, {"<i8", torch::kInt64},
    {"|u1", torch::kUInt8},   {"<u1", torch::kUInt8},
};

std::string invalid(const fs::path& path, const std::string& reason) {
  return "file " + path.string() + " is not a valid .npy file (" + reason +
         "); write it again with gantry or numpy.save";
}

/// The header dict as NumPy writes it: a Python literal like
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. A small recursive-descent parser
/// that accepts either quote style, any spacing, trailing commas and Python 2's "3L" longs.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const fs::path& path) : text_(text), path_(path) {}

  struct Header {
    std::string descr;
    bool fortranOrder = false;
    std::vector<int64_t> shape;
  };

  Header parse() {
    Header header;
    bool haveDescr = false;
    bool haveOrder = false;
    bool haveShape = false;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}') break;
      const std::string key = parseString();
      expect(':');
      if (key == "descr") {
        header.descr = parseString();
        haveDescr = true;
      } else if (key == "fortran_order") {
        header.fortranOrder = parseBool();
        haveOrder = true;
      } else if (key == "shape") {
        header.shape = parseTuple();
        haveShape = true;
      } else {
        fail("unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        fail("expected ',' or '}' in the header");
      }
    }
    if (!haveDescr || !haveOrder || !haveShape) fail("the header lacks descr, fortran_order or shape");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const { throw UserError(invalid(path_, reason)); }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c) fail(std::string("expected '") + c + "' in the header");
    ++pos_;
  }

  std::string parseString() {
    skipSpace();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string in the header");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail("unterminated string in the header");
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return value;
  }

  bool parseBool() {
    skipSpace();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const size_t length = std::strlen(word);
      if (text_.compare(pos_, length, word) == 0) {
        pos_ += length;
        return value;
      }
    }
    fail("fortran_order must be True or False");
  }

  std::vector<int64_t> parseTuple() {
    std::vector<int64_t> values;
    expect('(');
    while (true) {
      skipSpace();
      if (peek() == ')') {
        ++pos_;
        return values;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("shape must be a tuple of non-negative integers");
      int64_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (value > (INT64_MAX - 9) / 10) fail("a shape dimension is too large");
        value = value * 10 + (text_[pos_++] - '0');
      }
      if (peek() == 'L') ++pos_;
      values.push_back(value);
      skipSpace();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
  }

  const std::string& text_;
  const fs::path& path_;
  size_t pos_ = 0;
};

std::string shapeTuple(torch::IntArrayRef sizes) {
  std::string tuple = "(";
  for (size_t i = 0; i < sizes.size(); ++i) tuple += (i ? ", " : "") + std::to_string(sizes[i]);
  if (sizes.size() == 1) tuple += ",";  // Python's one-element tuple
  return tuple + ")";
}

}  // namespace

void writeNpy(const fs::path& path, const torch::Tensor& tensor) {
  if (!tensor.defined()) throw std::invalid_argument("writeNpy: undefined tensor");
  const char* descr = nullptr;
  for (const DType& dtype : kDTypes) {
    if (dtype.type == tensor.scalar_type()) {
      descr = dtype.descr;
      break;
    }
  }
  if (descr == nullptr) {
    throw std::invalid_argument(std::string("writeNpy: unsupported dtype ") + c10::toString(tensor.scalar_type()));
  }
  const torch::Tensor data = tensor.to(torch::kCPU).contiguous();

  std::string dict =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shapeTuple(data.sizes()) + ", }";
  // magic + version (2) + header length (2) + dict + '\n' must be a multiple of 64.
  const size_t prefix = kMagicSize + 2 + 2;
  const size_t unpadded = prefix + dict.size() + 1;
  dict.append((kHeaderAlignment - unpadded % kHeaderAlignment) % kHeaderAlignment, ' ');
  dict.push_back('\n');
  if (dict.size() > UINT16_MAX) throw std::invalid_argument("writeNpy: too many dimensions for format 1.0");

  std::string header(kMagic, kMagicSize);
  header += {1, 0, static_cast<char>(dict.size() & 0xff), static_cast<char>(dict.size() >> 8)};
  header += dict;

  writeFileAtomic(path, {header, std::string_view(static_cast<const char*>(data.data_ptr()), data.nbytes())});
}

torch::Tensor readNpy(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw UserError("file " + path.string() + " not found; check the path (a .npy file is expected)");
  }
  const auto fileSize = static_cast<uint64_t>(fs::file_size(path, ec));
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) {
    throw UserError("cannot open " + path.string() + " (" + std::strerror(errno) + "); check its permissions");
  }

  unsigned char prefix[kMagicSize + 2];
  if (!in.read(reinterpret_cast<char*>(prefix), sizeof prefix) || std::memcmp(prefix, kMagic, kMagicSize) != 0) {
    throw UserError(invalid(path, "it does not start with the \\x93NUMPY magic"));
  }
  const int major = prefix[kMagicSize];
  // 1.0 has a 2-byte header length; 2.0 (huge headers) and 3.0 (UTF-8 header) have 4 bytes.
  if (major < 1 || major > 3) {
    throw UserError(invalid(
        path, "unsupported format version " + std::to_string(major) + "." + std::to_string(prefix[kMagicSize + 1])));
  }
  const int lengthBytes = major == 1 ? 2 : 4;
  unsigned char lengthField[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(lengthField), lengthBytes)) {
    throw UserError(invalid(path, "the header is truncated"));
  }
  const uint32_t headerLength = uint32_t{lengthField[0]} | (uint32_t{lengthField[1]} << 8) |
                                (uint32_t{lengthField[2]} << 16) | (uint32_t{lengthField[3]} << 24);
  const uint64_t dataOffset = kMagicSize + 2 + lengthBytes + uint64_t{headerLength};
  if (headerLength > kMaxHeaderLength || dataOffset > fileSize) {
    throw UserError(invalid(path, "the header length " + std::to_string(headerLength) + " is impossible"));
  }
  std::string headerText(headerLength, '\0');
  if (!in.read(headerText.data(), headerLength)) throw UserError(invalid(path, "the header is truncated"));
  const HeaderParser::Header header = HeaderParser(headerText, path).parse();

  std::optional<torch::ScalarType> type;
  for (const DType& dtype : kDTypes) {
    if (header.descr == dtype.descr) type = dtype.type;
  }
  if (!type) {
    // A valid file of a type gantry does not read: say so, not "not a valid .npy file".
    throw UserError("file " + path.string() + " holds '" + header.descr +
                    "' values, which gantry does not read (it reads <f4, <f8, <i8 and |u1); convert it, e.g. "
                    "numpy.save(path, array.astype('float32'))");
  }

  // Checked against the file size before allocating, so a corrupt shape cannot request terabytes.
  const uint64_t itemSize = c10::elementSize(*type);
  uint64_t numBytes = itemSize;
  for (int64_t dim : header.shape) {
    if (dim != 0 && numBytes > (fileSize - dataOffset) / static_cast<uint64_t>(dim)) {
      numBytes = UINT64_MAX;
      break;
    }
    numBytes *= static_cast<uint64_t>(dim);
  }
  if (numBytes > fileSize - dataOffset) {
    throw UserError("file " + path.string() + " is truncated (its header promises more data than the " +
                    std::to_string(fileSize - dataOffset) + " bytes it holds); write it again");
  }

  // Fortran order: the data is the C-order array of the reversed shape, transposed.
  std::vector<int64_t> storedShape = header.shape;
  if (header.fortranOrder) std::reverse(storedShape.begin(), storedShape.end());
  torch::Tensor tensor = torch::empty(storedShape, *type);
  if (!in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(numBytes))) {
    throw UserError("cannot read the data of " + path.string() + "; check the file and write it again");
  }
  if (header.fortranOrder && tensor.dim() > 1) {
    std::vector<int64_t> order(tensor.dim());
    for (int64_t i = 0; i < tensor.dim(); ++i) order[i] = tensor.dim() - 1 - i;
    tensor = tensor.permute(order).contiguous();
  }
  return tensor;
}

}  // namespace gantry::io
