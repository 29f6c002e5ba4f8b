#pragma once

#include "gantry/objectives/Objective.h"

#include <cmath>

namespace gantry::objectives {

/// The game of Goodfellow et al. (2014), "Generative Adversarial Nets":
///
///   V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   D = sigmoid(logit).
///
/// With l a logit, log D = -softplus(-l) and log(1 - D) = -softplus(l), which
/// is how everything here is computed (no log of a rounded sigmoid).
///
/// Discriminator: ascends V; its loss is -V/2 = ½[BCE(D(x), 1) + BCE(D(G(z)), 0)]
/// (the ½ of the authors' released code; it scales the step, not the optimum),
/// or -V with d_loss_sum (Mescheder et al. 2018's game: at the Dirac-GAN's
/// equilibrium, the ½ would scale D's row of the field's Jacobian by ½ and
/// move its eigenvalues off their closed forms).
/// At the optimum D*(x) = p_data(x) / (p_data(x) + p_g(x)) and
/// V(D*, G) = 2·JSD(p_data ‖ p_g) − log 4.
///
/// Generator:
///   Saturating (the minimax game):  minimises E_z[log(1 − D(G(z)))];
///   NonSaturating (paper §3, used in practice): maximises E_z[log D(G(z))],
///   i.e. minimises BCE(D(G(z)), 1), which has strong gradients early in
///   training when D rejects samples confidently.
class MinimaxObjective;
ObjectiveEntry minimaxObjective();
ObjectiveEntry nonsaturatingObjective();

class MinimaxObjective : public Objective {
 public:
  enum class GeneratorLoss { Saturating, NonSaturating };

  MinimaxObjective(GeneratorLoss generatorLoss, bool dLossSum)
      : generatorLoss_(generatorLoss), dLossScale_(dLossSum ? 1.0 : 0.5) {}
  std::string name() const override;
  torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  double discriminatorLossScale() const override { return dLossScale_; }
  torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const override;
  /// D* = ½ everywhere, V = −log 4 (Goodfellow et al. 2014, Theorem 1).
  Equilibrium equilibrium() const override { return {-std::log(4.0), 0.5}; }
  /// jsd_bound = (V + log 4) / 2: at the optimal D, V = 2·JSD(P‖Q) − log 4,
  /// so this is the minibatch estimate of a lower bound on the Jensen–Shannon
  /// divergence (tight only as D nears D*; 0 at equilibrium, log 2 at most).
  void addFigures(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits, Figures& figures) const override;

 private:
  GeneratorLoss generatorLoss_;
  double dLossScale_;
};

}  // namespace gantry::objectives
