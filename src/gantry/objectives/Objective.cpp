#include "gantry/objectives/Objective.h"

#include "gantry/objectives/FGanObjective.h"
#include "gantry/objectives/HingeObjective.h"
#include "gantry/objectives/LeastSquaresObjective.h"
#include "gantry/objectives/MinimaxObjective.h"
#include "gantry/objectives/WassersteinObjective.h"

namespace gantry::objectives {

std::unique_ptr<Objective> makeObjective(const std::string& name, const ObjectiveOptions& options) {
  if (name == "minimax") return std::make_unique<MinimaxObjective>(MinimaxObjective::GeneratorLoss::Saturating);
  if (name == "nonsaturating")
    return std::make_unique<MinimaxObjective>(MinimaxObjective::GeneratorLoss::NonSaturating);
  if (name == "lsgan") return std::make_unique<LeastSquaresObjective>();
  if (name == "hinge") return std::make_unique<HingeObjective>();
  if (name == "wgan")
    return std::make_unique<WassersteinObjective>(WassersteinObjective::Constraint::WeightClipping,
                                                  options.weight_clip);
  if (name == "wgan-gp")
    return std::make_unique<WassersteinObjective>(WassersteinObjective::Constraint::GradientPenalty);
  for (auto divergence : FGanObjective::allDivergences())
    if (name == FGanObjective::nameOf(divergence)) return std::make_unique<FGanObjective>(divergence);
  return nullptr;
}

std::vector<std::string> objectiveNames() {
  std::vector<std::string> names = {"minimax", "nonsaturating", "lsgan", "hinge", "wgan", "wgan-gp"};
  for (auto divergence : FGanObjective::allDivergences()) names.push_back(FGanObjective::nameOf(divergence));
  return names;
}

}  // namespace gantry::objectives
