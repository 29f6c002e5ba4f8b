#pragma once

#include "gantry/objectives/Objective.h"

namespace gantry::objectives {

/// f-GAN: variational divergence minimisation (Nowozin, Cseke & Tomioka 2016,
/// "f-GAN: Training Generative Neural Samplers using Variational Divergence
/// Minimization", NIPS; arXiv:1606.00709). For a convex f with f(1) = 0 the
/// f-divergence D_f(P ‖ Q) = ∫ q(x) f(p(x)/q(x)) dx has the lower bound
///
///   F(θ, ω) = E_P[T(x)] − E_Q[f*(T(x))] ≤ D_f(P ‖ Q),   T(x) = g_f(v(x)),
///
/// P the data, Q the generator, f* the Fenchel conjugate of f, v the
/// discriminator's raw output (the "logits" of the Objective interface) and
/// g_f an output activation mapping R onto dom f*. The bound is tight at
/// T*(x) = f'(p(x)/q(x)).
///
///   config name       divergence        f(u)                               g_f(v)                f*(t)
///   fgan-kl           KL(P‖Q)           u log u                            v                     exp(t − 1)
///   fgan-reverse-kl   KL(Q‖P)           −log u                             −exp(−v)              −1 − log(−t)
///   fgan-pearson      Pearson χ²        (u − 1)²                           v                     t²/4 + t
///   fgan-neyman       Neyman χ²         (1 − u)²/u                         1 − exp(v)            2 − 2√(1 − t)
///   fgan-hellinger    squared Hellinger (√u − 1)²                          1 − exp(v)            t/(1 − t)
///   fgan-js           2·JSD(P‖Q)        −(u+1) log((1+u)/2) + u log u      log 2 − log(1+e^−v)   −log(2 − exp(t))
///   fgan-gan          2·JSD − log 4     u log u − (u+1) log(u+1)           −log(1 + e^−v)        −log(1 − exp(t))
///   fgan-tv           total variation   ½|u − 1|                           ½ tanh(v)             t  (|t| ≤ ½)
///
/// Sources: the paper's Table 1 (f), Table 2 and Appendix C Table 6 (g_f,
/// f*); the conjugates were re-derived here from f*(t) = sup_u ut − f(u) and
/// are checked by the tests through the Fenchel–Young equality
/// f*(f'(u)) = u f'(u) − f(u). Note on g_f for Neyman and squared Hellinger:
/// 1 − exp(v) (as in Table 6) is decreasing in v, so for these two a larger
/// raw output means "more generated", unlike the others; public
/// re-implementations often use the increasing 1 − exp(−v) instead. Both map
/// R onto dom f* = (−∞, 1), so the attainable bound is the same.
///
/// Everything is computed from v in closed form, never through a rounded
/// g_f followed by f*:
///   f*(g_f(v)) = exp(v − 1), v − 1, v²/4 + v, 2 − 2 exp(v/2), exp(−v) − 1,
///                softplus(v) − log 2, softplus(v), ½ tanh(v)   (table order).
///
/// Losses: the discriminator (ω) ascends F, so its loss is −F. The generator
/// uses the paper's alternative update (§3.2): maximise E_Q[g_f(v(G(z)))],
/// i.e. its loss is −E_Q[g_f(v)]. value() is the minibatch F, the estimate of
/// the divergence's lower bound (in nats).
/// One entry per divergence, in the table's order.
std::vector<ObjectiveEntry> fganObjectives();

class FGanObjective : public Objective {
 public:
  enum class Divergence {
    KullbackLeibler,
    ReverseKL,
    Pearson,
    Neyman,
    SquaredHellinger,
    JensenShannon,
    Gan,
    TotalVariation
  };

  explicit FGanObjective(Divergence divergence) : divergence_(divergence) {}
  Divergence divergence() const { return divergence_; }

  std::string name() const override;
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// T = g_f(v), the variational function; at the optimum T*(x) = f'(p/q),
  /// so f'(1) where the generator matches the data.
  torch::Tensor reportedOutput(const torch::Tensor& logits) const override { return activation(logits); }

  /// T = g_f(v), the output activation.
  torch::Tensor activation(const torch::Tensor& v) const;
  /// f*(t), the Fenchel conjugate, on its domain (NaN or ±inf outside it;
  /// total variation: +inf for |t| > ½).
  torch::Tensor conjugate(const torch::Tensor& t) const;
  /// f*(g_f(v)) in closed form, stable for any finite v.
  torch::Tensor conjugateOfActivation(const torch::Tensor& v) const;
  /// The generator function f(u), u > 0, and its derivative (total
  /// variation: the subgradient ½ sign(u − 1)).
  torch::Tensor f(const torch::Tensor& u) const;
  torch::Tensor fPrime(const torch::Tensor& u) const;

  /// The config name of a divergence ("fgan-kl", ...).
  static std::string nameOf(Divergence divergence);
  static const std::vector<Divergence>& allDivergences();

 private:
  Divergence divergence_;
};

}  // namespace gantry::objectives
