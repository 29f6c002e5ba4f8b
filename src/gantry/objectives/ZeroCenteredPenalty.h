#pragma once

#include "gantry/objectives/Penalty.h"

namespace gantry::objectives {

/// R1 and R2 (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for
/// GANs do actually Converge?", ICML; arXiv:1801.04406, eq. 9 and 10), on
/// D's raw output (the logit):
///
///   R1 = ½ E_{x~P_data}[‖∇_x D(x)‖²]     (config "r1": on real samples)
///   R2 = ½ E_{x~P_G}[‖∇_x D(x)‖²]        (config "r2": on generated samples)
///
/// The norm is taken per input of D, over all its coordinates: per sample,
/// or per pack of m samples under PacGAN (x is then the pack). The trainer adds
/// γ·R to D's loss (γ = penalty_weight), which is the paper's (γ/2)·E‖∇D‖².
/// Zero-centred: it pulls D towards being flat on the data (R1) or on the
/// samples (R2), which makes the game locally convergent near equilibrium
/// (the paper's Theorem 4.1), unlike WGAN-GP's penalty centred at norm 1.
PenaltyEntry r1Penalty();
PenaltyEntry r2Penalty();

class ZeroCenteredPenalty : public Penalty {
 public:
  enum class On { Real, Generated };
  explicit ZeroCenteredPenalty(On on) : on_(on) {}
  std::string name() const override { return on_ == On::Real ? "r1" : "r2"; }
  torch::Tensor compute(models::Discriminator& discriminator, const data::Batch& real,
                        const data::Batch& fake) const override;
  /// ½ mean over D's inputs (samples, or packs) of ‖∇D(x_i)‖², at the given points.
  static torch::Tensor at(models::Discriminator& discriminator, const torch::Tensor& points,
                          const torch::Tensor& labels = {});

 private:
  On on_;
};

}  // namespace gantry::objectives
