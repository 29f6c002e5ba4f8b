#include "gantry/models/PackedDiscriminator.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry::models {

PackedDiscriminator::PackedDiscriminator(std::shared_ptr<Discriminator> inner, int64_t pack)
    : DiscriminatorWrapper(std::move(inner), 0), pack_(pack) {}

DiscriminatorOutput PackedDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  const int64_t n = x.size(0);
  if (n % pack_ != 0)
    throw UserError(
        fmt::format("config key 'pack' = {}: D was given a batch of {}, which is not a multiple of it; "
                    "choose batch sizes (batch_size, jacobian_batch) that are",
                    pack_, n));
  auto shape = x.sizes().vec();
  shape[0] = n / pack_;
  shape[1] *= pack_;
  // Consecutive samples side by side: sample p·m + j fills features (or
  // channels) j·C ... (j + 1)·C − 1 of pack p.
  return inner().forward(x.reshape(shape));
}

std::vector<int64_t> packedShape(std::vector<int64_t> sampleShape, int64_t pack) {
  sampleShape.at(0) *= pack;
  return sampleShape;
}

std::shared_ptr<Discriminator> buildDiscriminator(const ModelFamilyEntry& family, const Config& config,
                                                  const ModelContext& context) {
  const int64_t pack = context.stabilisers.pack;
  if (pack <= 1) return family.discriminator(config, context);
  auto packed = context;
  packed.sampleShape = packedShape(context.sampleShape, pack);
  return std::make_shared<PackedDiscriminator>(family.discriminator(config, packed), pack);
}

}  // namespace gantry::models
