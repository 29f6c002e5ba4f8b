#pragma once

#include "gantry/models/DiscriminatorWrapper.h"
#include "gantry/models/ModelFamily.h"

#include <memory>
#include <vector>

namespace gantry::models {

/// PacGAN (Lin, Khetan, Fanti & Oh 2018, PacGAN: The power of two samples in
/// generative adversarial networks): D judges packs of m samples drawn from
/// the same source, concatenated along the feature axis (channels for
/// images): a batch of N becomes N/m packs of consecutive samples, each one
/// input of the inner D, built for samples m times as wide. Real and
/// generated batches are packed alike; the objective averages over packs.
/// A G that covers few modes makes packs of near-copies, which D tells
/// from real packs more easily than single samples.
class PackedDiscriminator : public DiscriminatorWrapper {
 public:
  PackedDiscriminator(std::shared_ptr<Discriminator> inner, int64_t pack);
  /// x [N, ...] with N a multiple of the pack size; one output per pack.
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  int64_t pack() const { return pack_; }
  bool judgesSamplesAlone() const override { return false; }
  int64_t samplesPerInput() const override { return pack_ * inner().samplesPerInput(); }
  /// The inner model's per pack, shared by the pack's m samples.
  int64_t activationsPerSample() const override { return (inner().activationsPerSample() + pack_ - 1) / pack_; }

 protected:
  std::vector<torch::Tensor*> ownSlots() override { return {}; }

 private:
  int64_t pack_;
};

/// The shape of one pack of m samples of `sampleShape`: the first (feature
/// or channel) dimension m times as large.
std::vector<int64_t> packedShape(std::vector<int64_t> sampleShape, int64_t pack);

/// D of the family for the context, packed when `pack` > 1: what every run
/// trains and every tool loads.
std::shared_ptr<Discriminator> buildDiscriminator(const ModelFamilyEntry& family, const Config& config,
                                                  const ModelContext& context);

}  // namespace gantry::models
