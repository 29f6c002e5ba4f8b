#include "gantry/data/ImageFolder.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/data/Datasets.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;

bool isImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

/// Hidden entries (".git", macOS "._photo.png" resource forks) are never images of the dataset.
bool isHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

std::vector<fs::path> findImages(const fs::path& root) {
  std::vector<fs::path> images;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (isHidden(path)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && isImageFile(path)) images.push_back(path);
  }
  if (ec) {
    throw UserError("cannot list image folder " + root.string() + " (" + ec.message() + "); check its permissions");
  }
  std::sort(images.begin(), images.end());
  return images;
}

struct StbImageDeleter {
  void operator()(unsigned char* pixels) const { stbi_image_free(pixels); }
};

uint32_t littleEndian(const std::string& bytes, size_t at, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

/// Whether an uncompressed BMP (by content: stb reads by content, whatever
/// the name) ends before its rows do: stb then fills the missing rows with
/// zeros instead of failing, so a cut-short download would train as a
/// picture half black.
bool bmpCutShort(const std::string& bytes) {
  if (bytes.size() < 34 || bytes[0] != 'B' || bytes[1] != 'M' || littleEndian(bytes, 14, 4) < 40) return false;
  const uint32_t compression = littleEndian(bytes, 30, 4);
  if (compression != 0 && compression != 3) return false;  // run-length coded: stb's own checks
  const int64_t offset = littleEndian(bytes, 10, 4);
  const int64_t width = std::abs(static_cast<int64_t>(static_cast<int32_t>(littleEndian(bytes, 18, 4))));
  const int64_t height = std::abs(static_cast<int64_t>(static_cast<int32_t>(littleEndian(bytes, 22, 4))));
  const int64_t bits = littleEndian(bytes, 28, 2);
  const int64_t rowBytes = (bits * width + 31) / 32 * 4;
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (rowBytes == 0 || height == 0) return false;  // no pixels: refused below
  return offset > size || height > (size - offset) / rowBytes;
}

}  // namespace

TensorDataset loadImageFolder(const fs::path& root, const ImageFolderOptions& options) {
  if (options.height < 1 || options.width < 1 || options.height > kMaxImageSide || options.width > kMaxImageSide) {
    throw UserError("image size " + std::to_string(options.height) + "x" + std::to_string(options.width) +
                    " is invalid; use a height and width between 1 and " + std::to_string(kMaxImageSide));
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw UserError("image folder " + root.string() + " not found; pass a folder of .png/.jpg images");
  }
  const std::vector<fs::path> paths = findImages(root);
  if (paths.empty()) {
    throw UserError("image folder " + root.string() +
                    " holds no .png, .jpg or .jpeg image; put images in it (or in one subfolder per class)");
  }

  // Class index = rank of the top-level subfolder among those holding images, so stray empty
  // folders do not shift the labels.
  std::map<std::string, int64_t> classIndex;
  std::vector<std::string> classOf(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const fs::path relative = paths[i].lexically_relative(root);
    if (std::distance(relative.begin(), relative.end()) > 1) {
      classOf[i] = relative.begin()->string();
      classIndex.emplace(classOf[i], 0);
    }
  }
  // Loose images beside class subfolders would share label 0 with the first class.
  const auto loose = std::find(classOf.begin(), classOf.end(), std::string());
  if (!classIndex.empty() && loose != classOf.end())
    throw UserError("image folder " + root.string() + " holds images at its top level (" +
                    paths[static_cast<size_t>(loose - classOf.begin())].filename().string() +
                    ") beside class subfolders (" + classIndex.begin()->first +
                    "/): move the loose images into a subfolder of their own class, or all images to the top level "
                    "for unlabelled data");
  int64_t nextIndex = 0;
  for (auto& [name, index] : classIndex) index = nextIndex++;

  const int height = static_cast<int>(options.height);
  const int width = static_cast<int>(options.width);
  const int channels = options.grayscale ? 1 : 3;
  const auto count = static_cast<int64_t>(paths.size());
  torch::Tensor pixels = torch::empty({count, height, width, channels}, torch::kUInt8);
  torch::Tensor labels = torch::zeros({count}, torch::kInt64);
  auto* out = pixels.data_ptr<uint8_t>();
  auto labelsOut = labels.accessor<int64_t, 1>();
  const size_t imageBytes = static_cast<size_t>(height) * width * channels;

  for (int64_t i = 0; i < count; ++i) {
    const fs::path& path = paths[i];
    int sourceWidth = 0;
    int sourceHeight = 0;
    int sourceChannels = 0;
    // Read once: the header check and the decoding share the bytes.
    const std::string bytes = readTextFile(path);  // binary: any bytes
    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int length = static_cast<int>(std::min<size_t>(bytes.size(), std::numeric_limits<int>::max()));
    if (stbi_info_from_memory(data, length, &sourceWidth, &sourceHeight, &sourceChannels) &&
        static_cast<int64_t>(sourceWidth) * sourceHeight > options.maxSourcePixels)
      throw UserError("image " + path.string() + " is " + std::to_string(sourceWidth) + "x" +
                      std::to_string(sourceHeight) + " pixels, more than the " +
                      std::to_string(options.maxSourcePixels) +
                      " gantry decodes per image; shrink it or remove it from the folder");
    if (bmpCutShort(bytes))
      throw UserError("image " + path.string() + " is cut short: its BMP header promises more rows than the file's " +
                      std::to_string(bytes.size()) + " bytes hold; replace the file");
    // stb converts to the requested channel count itself (gray = its weighted sum of R, G, B).
    std::unique_ptr<unsigned char, StbImageDeleter> source(
        stbi_load_from_memory(data, length, &sourceWidth, &sourceHeight, &sourceChannels, channels));
    if (!source) {
      const char* reason = stbi_failure_reason();
      throw UserError("cannot read image " + path.string() + " (" + (reason ? reason : "unknown error") +
                      "); remove or replace the file");
    }
    // stb hands back some headers' empty images (a BMP of width 0), which
    // its resampler asserts on.
    if (sourceWidth < 1 || sourceHeight < 1)
      throw UserError("image " + path.string() + " has no pixels (" + std::to_string(sourceWidth) + "x" +
                      std::to_string(sourceHeight) + "); remove or replace the file");
    uint8_t* target = out + i * imageBytes;
    if (sourceWidth == width && sourceHeight == height) {
      std::memcpy(target, source.get(), imageBytes);
    } else if (!stbir_resize_uint8(source.get(), sourceWidth, sourceHeight, 0, target, width, height, 0, channels)) {
      throw UserError("cannot resize image " + path.string() + " (" + std::to_string(sourceWidth) + "x" +
                      std::to_string(sourceHeight) + "); remove or replace the file");
    }
    labelsOut[i] = classOf[i].empty() ? 0 : classIndex.at(classOf[i]);
  }

  torch::Tensor samples = pixels.permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0).contiguous();
  return TensorDataset(std::move(samples), std::move(labels));
}

}  // namespace gantry::data

namespace gantry::data {

DatasetEntry imageFolderDataset() {
  DatasetEntry entry;
  entry.name = "images";
  entry.summary =
      "a folder of PNG/JPEG images (data_dir), one class per top-level subfolder, or all at its top level (one class)";
  entry.read = [](const std::filesystem::path& root, const DataSettings& settings, Split) {
    ImageFolderOptions options;
    options.height = options.width = settings.image_size;
    options.grayscale = settings.grayscale;
    return loadImageFolder(root, options);
  };
  entry.shape = [](const DataSettings& settings) {
    return std::vector<int64_t>{settings.grayscale ? 1 : 3, settings.image_size, settings.image_size};
  };
  entry.classes = [](const std::filesystem::path& root) -> int64_t {
    // As loadImageFolder labels them: one class per top-level subfolder that
    // holds images; images directly in the folder (then the only ones) are class 0.
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) return 1;
    std::set<std::string> classes;
    for (const auto& path : findImages(root)) {
      const auto relative = path.lexically_relative(root);
      if (std::distance(relative.begin(), relative.end()) > 1) classes.insert(relative.begin()->string());
    }
    return std::max<int64_t>(1, static_cast<int64_t>(classes.size()));
  };
  return entry;
}

}  // namespace gantry::data
