#include "gantry/objectives/MinimaxObjective.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::objectives {

namespace F = torch::nn::functional;

std::string MinimaxObjective::name() const {
  return generatorLoss_ == GeneratorLoss::Saturating ? "minimax" : "nonsaturating";
}

torch::Tensor MinimaxObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  // log D(x) = -softplus(-l_real); log(1 - D(G(z))) = -softplus(l_fake).
  return -F::softplus(-realLogits).mean() - F::softplus(fakeLogits).mean();
}

torch::Tensor MinimaxObjective::discriminatorLoss(const torch::Tensor& realLogits,
                                                  const torch::Tensor& fakeLogits) const {
  return -dLossScale_ * value(realLogits, fakeLogits);
}

ObjectiveEntry minimaxObjective() {
  return {{"minimax", "the original game: D ascends V, G descends E log(1 - D(G(z)))",
           "Goodfellow et al. 2014, Generative Adversarial Nets"},
          [](const ObjectiveOptions& options) {
            return std::make_unique<MinimaxObjective>(MinimaxObjective::GeneratorLoss::Saturating, options.d_loss_sum);
          }};
}

ObjectiveEntry nonsaturatingObjective() {
  return {{"nonsaturating", "the original game with G ascending E log D(G(z)) (the paper's practical form)",
           "Goodfellow et al. 2014, Generative Adversarial Nets, §3"},
          [](const ObjectiveOptions& options) {
            return std::make_unique<MinimaxObjective>(MinimaxObjective::GeneratorLoss::NonSaturating,
                                                      options.d_loss_sum);
          }};
}

void MinimaxObjective::addFigures(const torch::Tensor&, const torch::Tensor&, Figures& figures) const {
  // V is already in the record (Objective::addFigures): not computed twice.
  figures.set("jsd_bound", (figures.get("value") + std::log(4.0)) / 2);
}

torch::Tensor MinimaxObjective::generatorLoss(const torch::Tensor&, const torch::Tensor& fakeLogits) const {
  if (generatorLoss_ == GeneratorLoss::Saturating) return -F::softplus(fakeLogits).mean();  // E log(1 - D)
  return F::softplus(-fakeLogits).mean();                                                   // -E log D
}

}  // namespace gantry::objectives
