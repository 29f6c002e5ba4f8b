#pragma once

#include "gantry/core/MemberStreams.h"
#include "gantry/data/BatchSource.h"

#include <memory>
#include <vector>

namespace gantry::data {

/// A population's real batches (population training, gantry/core/
/// MemberStreams.h): each member's own source draws its batch with the
/// member's random stream, so member n sees the batches a run with seed + n
/// would see; next() holds them one after the other, member 0's first
/// ([N * B, ...] for members' batches of B).
class PopulationSource : public BatchSource {
 public:
  /// The member sources must have the same batch size, data and device.
  PopulationSource(std::vector<std::unique_ptr<BatchSource>> members, std::shared_ptr<MemberStreams> streams,
                   torch::Device device);
  Batch next() override;
  /// Member 0's (figures taken during a run: the data's, not a member's).
  Batch fixedDraw(int64_t count, uint64_t seed) const override;
  void seek(int64_t position) override;
  int64_t batchesPerEpoch() const override { return members_.front()->batchesPerEpoch(); }
  std::vector<int64_t> sampleShape() const override { return members_.front()->sampleShape(); }
  int64_t classes() const override { return members_.front()->classes(); }
  int64_t members() const { return static_cast<int64_t>(members_.size()); }

 private:
  std::vector<std::unique_ptr<BatchSource>> members_;
  std::shared_ptr<MemberStreams> streams_;
};

}  // namespace gantry::data
