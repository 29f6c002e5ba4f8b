#include "gantry/data/PopulationSource.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gantry::data {

PopulationSource::PopulationSource(std::vector<std::unique_ptr<BatchSource>> members,
                                   std::shared_ptr<MemberStreams> streams, torch::Device device)
    : BatchSource(members.empty() ? 0 : members.front()->batchSize() * static_cast<int64_t>(members.size()), device),
      members_(std::move(members)),
      streams_(std::move(streams)) {
  if (members_.empty() || static_cast<int64_t>(members_.size()) != streams_->size())
    throw std::invalid_argument("PopulationSource: one source per member stream");
}

Batch PopulationSource::next() {
  ++position_;
  std::vector<torch::Tensor> samples, labels;
  for (int64_t n = 0; n < members(); ++n)
    streams_->run(n, [&] {
      auto batch = members_[static_cast<size_t>(n)]->next();
      samples.push_back(batch.samples);
      labels.push_back(batch.labels);
    });
  return {torch::cat(samples), torch::cat(labels)};
}

Batch PopulationSource::fixedDraw(int64_t count, uint64_t seed) const {
  return members_.front()->fixedDraw(count, seed);
}

void PopulationSource::seek(int64_t position) {
  position_ = position;
  for (auto& member : members_) member->seek(position);
}

}  // namespace gantry::data
