#include "gantry/train/DataParallel.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <limits>

namespace gantry::train {

struct DataParallel::Engine {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {

/// Gloo's device: the interface GLOO_SOCKET_IFNAME names (as in PyTorch),
/// loopback for a job on this machine, else the address this host's name
/// resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const ProcessPlace& place) {
  if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name && *name)
    return c10d::ProcessGroupGloo::createDeviceForInterface(name);
  if (place.masterAddress == "127.0.0.1" || place.masterAddress == "localhost")
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

DataParallel::DataParallel(const ProcessPlace& place) : place_(place), engine_(std::make_unique<Engine>()) {
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(place.masterPort);
    options.isServer = place.rank == 0;
    options.numWorkers = static_cast<std::size_t>(place.worldSize);
    options.waitWorkers = true;
    options.timeout = place.timeout;
    engine_->store = c10::make_intrusive<c10d::TCPStore>(place.masterAddress, options);
    auto groupOptions = c10d::ProcessGroupGloo::Options::create(place.timeout);
    groupOptions->devices.push_back(glooDevice(place));
    groupOptions->threads = 1;  // collectives run one at a time here
    engine_->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(engine_->store, place.rank, place.worldSize, groupOptions);
  } catch (const std::exception& e) {
    throw UserError(
        fmt::format("rank {} of {} could not join the job at {}:{} ({}); check --master (or "
                    "MASTER_ADDR, MASTER_PORT) and that every rank was started",
                    place.rank, place.worldSize, place.masterAddress, place.masterPort, firstLine(e.what())));
  }
}

DataParallel::~DataParallel() = default;

void DataParallel::allReduce(torch::Tensor& tensor, bool maximum) {
  std::vector<at::Tensor> tensors{tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = maximum ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
  options.timeout = place_.timeout;
  engine_->group->allreduce(tensors, options)->wait();
}

void DataParallel::averageGradients(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> gradients;
  for (const auto& t : tensors)
    if (t.grad().defined()) gradients.push_back(t.grad());
  const double scale = 1.0 / place_.worldSize;
  for (size_t begin = 0; begin < gradients.size();) {
    // One bucket: consecutive gradients up to kBucketElements (a larger
    // gradient goes alone, as one all-reduce).
    size_t end = begin;
    int64_t elements = 0;
    while (end < gradients.size() && (end == begin || elements + gradients[end].numel() <= kBucketElements))
      elements += gradients[end++].numel();
    if (end - begin == 1 && gradients[begin].is_contiguous() && gradients[begin].scalar_type() == torch::kFloat32) {
      allReduce(gradients[begin]);  // a flat player's one gradient: in place, no copy
      gradients[begin].mul_(scale);
    } else {
      std::vector<torch::Tensor> flat;
      for (size_t i = begin; i < end; ++i) flat.push_back(gradients[i].reshape(-1).to(torch::kFloat32));
      auto bucket = torch::cat(flat);
      allReduce(bucket);
      bucket.mul_(scale);
      int64_t offset = 0;
      for (size_t i = begin; i < end; ++i) {
        const int64_t n = gradients[i].numel();
        gradients[i].copy_(bucket.narrow(0, offset, n).view(gradients[i].sizes()));
        offset += n;
      }
    }
    begin = end;
  }
}

bool DataParallel::any(bool flag) {
  auto value = torch::full({1}, flag ? 1.0f : 0.0f);
  allReduce(value, /*maximum=*/true);
  return value.item<float>() > 0;
}

void DataParallel::publish(const std::string& key, const std::string& value) {
  engine_->store->set("gantry/" + key, std::vector<uint8_t>(value.begin(), value.end()));
}

std::string DataParallel::receive(const std::string& key) {
  auto bytes = engine_->store->get("gantry/" + key);  // waits up to the store's timeout
  return {bytes.begin(), bytes.end()};
}

namespace {

int64_t parseInteger(const std::string& text, const std::string& origin, int64_t low, int64_t high) {
  try {
    size_t used = 0;
    const int64_t value = std::stoll(text, &used);
    if (used == text.size() && value >= low && value <= high) return value;
  } catch (const std::exception&) {
  }
  throw UserError(fmt::format("{} = '{}' is not an integer in [{}, {}]", origin, text, low, high));
}

/// HOST:PORT.
void parseMaster(const std::string& text, const std::string& origin, ProcessPlace& place) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw UserError(fmt::format("{} = '{}' is not HOST:PORT (e.g. 10.0.0.1:29500)", origin, text));
  place.masterAddress = text.substr(0, colon);
  place.masterPort = static_cast<int>(parseInteger(text.substr(colon + 1), origin + "'s port", 1, 65535));
}

}  // namespace

ProcessPlace processPlace(int rank, int worldSize, const std::string& master) {
  ProcessPlace place;
  if (worldSize > 0) {
    place.worldSize = worldSize;
    if (worldSize == 1) return place;
    if (rank < 0 || rank >= worldSize)
      throw UserError(fmt::format("--rank must be given, in [0, {}), with --world-size {}", worldSize, worldSize));
    if (master.empty()) throw UserError("--world-size needs --master HOST:PORT (rank 0's machine and a free port)");
    place.rank = rank;
    parseMaster(master, "--master", place);
    return place;
  }
  if (rank >= 0 || !master.empty()) throw UserError("--rank and --master go with --world-size W");
  const char* world = std::getenv("WORLD_SIZE");
  if (!world || !*world) return place;
  place.worldSize = static_cast<int>(parseInteger(world, "environment variable WORLD_SIZE", 1, 1 << 16));
  if (place.worldSize == 1) return place;
  auto variable = [](const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value)
      throw UserError(
          fmt::format("environment variable WORLD_SIZE is set but {} is not; set both (as torchrun "
                      "does) or neither",
                      name));
    return std::string(value);
  };
  place.rank = static_cast<int>(
      parseInteger(variable("RANK"), "environment variable RANK", 0, static_cast<int64_t>(place.worldSize) - 1));
  place.masterAddress = variable("MASTER_ADDR");
  place.masterPort =
      static_cast<int>(parseInteger(variable("MASTER_PORT"), "environment variable MASTER_PORT", 1, 65535));
  return place;
}

}  // namespace gantry::train
