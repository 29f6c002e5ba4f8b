#include "gantry/data/ImageFolder.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/data/Datasets.h"
#include "gantry/io/ImageFile.h"

#include <stb_image_resize.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gantry::data {
namespace {

namespace fs = std::filesystem;

/// Hidden entries (".git", macOS "._photo.png" resource forks) are never images of the dataset.
bool isHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

std::vector<fs::path> findImages(const fs::path& root) {
  std::vector<fs::path> images;
  std::error_code ec;
  // Links to folders are followed: a class linked in from elsewhere was
  // skipped, its images silently missing. A folder reached twice (a loop of
  // links, which would be walked some 40 levels deep, or two links to one
  // folder) would give its images twice.
  std::set<fs::path> folders = {fs::weakly_canonical(root, ec)};
  fs::recursive_directory_iterator it(
      root, fs::directory_options::skip_permission_denied | fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (isHidden(path)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      std::error_code resolved;
      const auto real = fs::canonical(path, resolved);
      if (!resolved && !folders.insert(real).second)
        throw UserError("image folder " + root.string() + " reaches " + real.string() + " twice (the second time as " +
                        path.string() + "): remove the link that loops or repeats it");
      continue;
    }
    if (it->is_regular_file(ec) && io::isImageFile(path)) images.push_back(path);
  }
  if (ec) {
    throw UserError("cannot list image folder " + root.string() + " (" + ec.message() + "); check its permissions");
  }
  std::sort(images.begin(), images.end());
  return images;
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
    // stb converts to the requested channel count itself (gray = its weighted sum of R, G, B).
    const auto image = io::decodeImage(readTextFile(path), path, channels, options.maxSourcePixels);
    const int sourceWidth = image.width, sourceHeight = image.height;
    const unsigned char* source = image.pixels.get();
    uint8_t* target = out + i * imageBytes;
    if (sourceWidth == width && sourceHeight == height) {
      std::memcpy(target, source, imageBytes);
    } else if (!stbir_resize_uint8(source, sourceWidth, sourceHeight, 0, target, width, height, 0, channels)) {
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
