#pragma once

#include "gantry/core/Config.h"
#include "gantry/core/Registry.h"
#include "gantry/core/Section.h"
#include "gantry/train/Arena.h"

#include <torch/serialize/archive.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gantry::train {

/// What an update rule needs beyond first derivatives and plain steps,
/// declared so that the trainer sets the arena up for it (and refuses a
/// model that cannot provide it).
struct RuleNeeds {
  /// Differentiates the players' passes twice (consensus: ∇½‖v‖²; unrolled:
  /// G's gradient through D's updates): the models then take only paths
  /// whose backward records a graph.
  bool secondDerivatives = false;
  /// Takes D's optimizer step with a graph, from a snapshot of its state,
  /// and evaluates D at the parameters it reaches (unrolled): D's model must
  /// expose parameterSlots().
  bool differentiableUpdates = false;
};

/// One training step: how the players move, from the arena's building
/// blocks (gantry/train/Arena.h). A step makes one generator update in the
/// schedule's count (learning-rate decay and the momentum ramp count steps);
/// a rule may take more updates within it. The trainer owns the loop, the
/// figures and persistence; a rule owns its step and any state it carries
/// from one step to the next.
class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  virtual std::string name() const = 0;
  virtual RuleNeeds needs() const { return {}; }
  virtual void step(Arena& arena) = 0;
  /// State carried between steps (optimistic: the last displacement), kept
  /// in checkpoints so that a resumed run continues exactly.
  virtual void save(torch::serialize::OutputArchive& archive) const {}
  virtual void load(torch::serialize::InputArchive& archive) {}
};

/// The [update] section: which rule, and the discriminator updates per step.
struct UpdateSettings {
  std::string update = "alternating";
  int64_t d_steps = 1;
};

/// An update rule's registry entry.
struct UpdateRuleEntry : RegistryEntry {
  /// Its own config section, if any ([unrolled], [consensus]).
  std::vector<ConfigKey> keys;
  std::function<std::unique_ptr<UpdateRule>(const Config&, const UpdateSettings&)> make;
};

/// alternating, simultaneous, unrolled, extragradient, optimistic, consensus.
const Registry<UpdateRuleEntry>& updateRules();
const Section<UpdateSettings>& updateSection();

/// The rule the settings name (its own keys read from `config`).
std::unique_ptr<UpdateRule> makeUpdateRule(const Config& config, const UpdateSettings& settings);

}  // namespace gantry::train
