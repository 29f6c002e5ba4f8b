#include "gantry/objectives/Objective.h"

#include "gantry/objectives/FGanObjective.h"
#include "gantry/objectives/HingeObjective.h"
#include "gantry/objectives/LeastSquaresObjective.h"
#include "gantry/objectives/MinimaxObjective.h"
#include "gantry/objectives/RelativisticObjective.h"
#include "gantry/objectives/WassersteinObjective.h"

#include <torch/torch.h>

namespace gantry::objectives {

torch::Tensor Objective::reportedOutput(const torch::Tensor& logits) const { return torch::sigmoid(logits); }

const Registry<ObjectiveEntry>& objectives() {
  static const Registry<ObjectiveEntry> registry = [] {
    Registry<ObjectiveEntry> r("objective");
    r.add(minimaxObjective());
    r.add(nonsaturatingObjective());
    r.add(leastSquaresObjective());
    r.add(hingeObjective());
    r.add(wassersteinObjective());
    r.add(wassersteinGpObjective());
    for (auto& entry : fganObjectives()) r.add(std::move(entry));
    r.add(relativisticStandardObjective());
    r.add(relativisticAverageObjective());
    return r;
  }();
  return registry;
}

std::unique_ptr<Objective> makeObjective(const std::string& name, const ObjectiveOptions& options) {
  const auto* entry = objectives().find(name);
  return entry ? entry->make(options) : nullptr;
}

std::vector<std::string> objectiveNames() { return objectives().names(); }

}  // namespace gantry::objectives
