#include "gantry/train/UpdateRule.h"

#include "gantry/train/rules/Alternating.h"
#include "gantry/train/rules/Consensus.h"
#include "gantry/train/rules/Extragradient.h"
#include "gantry/train/rules/Optimistic.h"
#include "gantry/train/rules/Simultaneous.h"
#include "gantry/train/rules/Unrolled.h"

namespace gantry::train {

const Registry<UpdateRuleEntry>& updateRules() {
  static const Registry<UpdateRuleEntry> registry = [] {
    Registry<UpdateRuleEntry> r("update rule");
    r.add(alternatingRule());
    r.add(simultaneousRule());
    r.add(unrolledRule());
    r.add(extragradientRule());
    r.add(optimisticRule());
    r.add(consensusRule());
    return r;
  }();
  return registry;
}

const Section<UpdateSettings>& updateSection() {
  static const auto section =
      Section<UpdateSettings>("update")
          .text("update", &UpdateSettings::update,
                "how the players move in a step (gantry list rules): alternating (k D updates, then G), "
                "simultaneous (both from one forward pass), unrolled, extragradient, optimistic, consensus",
                updateRules().names())
          .integer("d_steps", &UpdateSettings::d_steps,
                   "k: discriminator updates per generator update (the joint rules: k - 1 plain D updates first)",
                   Range::atLeast(1));
  return section;
}

std::unique_ptr<UpdateRule> makeUpdateRule(const Config& config, const UpdateSettings& settings) {
  return updateRules().require(settings.update, "config key 'update'").make(config, settings);
}

}  // namespace gantry::train
