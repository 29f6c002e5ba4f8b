#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gantry::train {

/// Where a process stands in a data-parallel job and how it finds the
/// others: the variables torchrun sets (RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT) or gantry's --rank, --world-size and --master.
struct ProcessPlace {
  int rank = 0;
  int worldSize = 1;
  std::string masterAddress = "127.0.0.1";
  int masterPort = 29500;
  /// How long a collective may wait for the others (rank 0 evaluating, a
  /// hung machine). A rank that dies closes its connections: the others
  /// notice at once, not after this.
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
};

/// One GAN trained on many processes (docs/distributed.md), on LibTorch's
/// own engine: a TCPStore for the rendezvous and for handing rank 0's state
/// to the others, a Gloo process group for the gradients (CPU tensors;
/// LibTorch's C++ frontend has no DDP module, so the averaging is here).
///
/// Every rank draws the whole global batch with the same random stream and
/// trains on its shard (ArenaOptions::parallel), and before each
/// optimizer step the players' gradients are averaged over the ranks: the
/// update is the one of a single process on the global batch, up to the
/// rounding of a sum split in W parts. What is drawn per shard inside the
/// models (dropout masks, instance noise) and batch statistics (batch
/// norm, minibatch features) are the shard's.
class DataParallel {
 public:
  /// Connects to the others (rank 0 serves the store); throws UserError
  /// with one line when the rendezvous fails within the timeout.
  explicit DataParallel(const ProcessPlace& place);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return place_.rank; }
  int worldSize() const { return place_.worldSize; }

  /// Replaces each tensor's gradient by its mean over the ranks, in place.
  /// Gradients go through the wire in flat float32 buckets of at most
  /// kBucketElements (one all-reduce each); undefined gradients (a
  /// parameter outside this backward) are skipped, as on every rank.
  void averageGradients(const std::vector<torch::Tensor>& tensors);
  /// Whether `flag` is true on any rank (one small all-reduce): the ranks
  /// agree on stopping after the same step.
  bool any(bool flag);

  /// Rank 0 hands a value to the others under `key`; the others wait for it.
  void publish(const std::string& key, const std::string& value);
  std::string receive(const std::string& key);

  static constexpr int64_t kBucketElements = int64_t{1} << 22;  // 16 MB of float32

 private:
  void allReduce(torch::Tensor& tensor, bool maximum = false);

  ProcessPlace place_;
  struct Engine;
  std::unique_ptr<Engine> engine_;
};

/// The place this process was given: `--rank/--world-size/--master` when
/// given (worldSize > 1), else the environment's RANK, WORLD_SIZE,
/// MASTER_ADDR and MASTER_PORT when WORLD_SIZE is set, else a single
/// process. UserError naming the variable or option for a malformed value.
ProcessPlace processPlace(int rank, int worldSize, const std::string& master);

}  // namespace gantry::train
