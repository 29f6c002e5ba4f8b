#pragma once

#include "gantry/objectives/Objective.h"

namespace gantry::objectives {

/// The relativistic games (Jolicoeur-Martineau 2018, "The relativistic
/// discriminator: a key element missing from standard GAN", ICLR 2019;
/// arXiv:1807.00734), on the critic's raw output C. D no longer says how
/// real a sample is but how much more real than the other side; G's loss
/// therefore reads the real batch too (generatorReadsReal). With
/// softplus(t) = −log σ(−t), i.e. BCE(t, 1) = softplus(−t), BCE(t, 0) =
/// softplus(t):
///
///   rsgan (relativistic standard GAN, pairs (x_r, x_f) drawn together):
///     D:  E[softplus(−(C(x_r) − C(x_f)))]
///     G:  E[softplus(−(C(x_f) − C(x_r)))]
///   ragan (relativistic average standard GAN, RaSGAN):
///     D:  ½ E_r[softplus(−(C(x_r) − E_f C))] + ½ E_f[softplus(C(x_f) − E_r C)]
///     G:  ½ E_f[softplus(−(C(x_f) − E_r C))] + ½ E_r[softplus(C(x_r) − E_f C)]
///
/// (the ½ of the author's code for RaSGAN, which averages its two BCEs; the
/// rsgan pairs are the batches' rows, so both batches have the same size).
/// value() = −(D's loss): −log 2 for rsgan wherever each pair's outputs
/// agree, for ragan where C is constant; for ragan below −log 2 when both
/// sides' outputs are alike in distribution but not constant (Jensen's
/// inequality), and towards 0 as D tells the sides apart.
class RelativisticObjective : public Objective {
 public:
  enum class Kind { Standard, Average };
  explicit RelativisticObjective(Kind kind) : kind_(kind) {}
  std::string name() const override { return kind_ == Kind::Standard ? "rsgan" : "ragan"; }
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  bool generatorReadsReal() const override { return true; }
  /// ragan compares each output with the other side's batch mean.
  bool comparesAcrossBatch() const override { return kind_ == Kind::Average; }
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// A critic: its raw value.
  torch::Tensor reportedOutput(const torch::Tensor& logits) const override { return logits; }

 private:
  /// The loss of the side that wants `better` to look more real than `worse`.
  torch::Tensor relativeLoss(const torch::Tensor& better, const torch::Tensor& worse) const;

  Kind kind_;
};

ObjectiveEntry relativisticStandardObjective();
ObjectiveEntry relativisticAverageObjective();

}  // namespace gantry::objectives
