#pragma once

#include "gantry/data/Batch.h"
#include "gantry/models/Model.h"

#include <torch/types.h>

#include <utility>
#include <vector>

namespace gantry::models {

/// What D says of a batch: a small record, so that terms that read more than
/// the adversarial output (an auxiliary classifier's loss, feature matching)
/// need no new interface.
struct DiscriminatorOutput {
  /// [N]: the adversarial output. A logit (D(x) = sigmoid(logit) is the
  /// probability that x is real) for the probability games, a critic's value
  /// for the others; objectives read it (gantry/objectives/Objective.h).
  torch::Tensor logits;
  /// [N, classes] from a class head (AC-GAN); undefined for models without.
  torch::Tensor classLogits;
  /// [N, F]: the features before the last layer, where a model exposes
  /// them; undefined otherwise.
  torch::Tensor features;
};

/// A discriminator D: samples [N, ...] (and, for a conditional model, their
/// labels [N]) -> a DiscriminatorOutput.
class Discriminator : public Model {
 public:
  virtual DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) = 0;

  /// D on a real and a generated batch: {forward(real), forward(fake)}, in
  /// that order. A model may override it to share work between the two
  /// passes (hasPairedPass), under this contract: the outputs, the random
  /// draws (dropout) and D's parameter gradients are bit for bit those of the
  /// two calls, whenever the two passes are the only terms of D's gradient.
  /// (With a third term, such as a penalty's own pass, autograd adds the
  /// terms in another order, which rounds differently: the trainer then calls
  /// forward() twice.)
  virtual std::pair<DiscriminatorOutput, DiscriminatorOutput> forwardPair(const data::Batch& real,
                                                                          const data::Batch& fake) {
    auto realOutput = forward(real.samples, real.labels);
    return {realOutput, forward(fake.samples, fake.labels)};
  }
  virtual bool hasPairedPass() const { return false; }

  /// Where forward() reads its parameters from, in parameters() order: a
  /// rule that evaluates D at other parameter values with a graph (the
  /// unrolled GAN's look-ahead) points these at its own tensors for a while
  /// (ParameterSwap in gantry/train). Empty: the model does not support it.
  virtual std::vector<torch::Tensor*> parameterSlots() { return {}; }

  /// Width F of the features forward() returns (DiscriminatorOutput::
  /// features), the input of its last layer; 0 when it returns none. A
  /// conditioning that reads them (projection, an auxiliary classifier)
  /// needs it.
  virtual int64_t featureWidth() const { return 0; }

  /// Whether its output for a sample depends on that sample alone. Not so
  /// with batch features or packs (gantry/models/Stabilisers.h): there D(x)
  /// of one point is not defined, and tools that map D over points (the
  /// report's heat map and histograms) leave it out.
  virtual bool judgesSamplesAlone() const { return true; }

  /// How many consecutive samples make one input of D, judged together by
  /// one output: a pack's m (PacGAN), else 1. A penalty on ∇D is taken per
  /// input (objectives/Penalty.h).
  virtual int64_t samplesPerInput() const { return 1; }

  /// Whether its layers are spectrally normalised (dcgan_d_norm = spectral):
  /// a conditioning's own layers (the projection's embedding, AC-GAN's
  /// class head) then are too, as in Miyato & Koyama's code and StudioGAN's.
  virtual bool spectrallyNormalised() const { return false; }
};

}  // namespace gantry::models
