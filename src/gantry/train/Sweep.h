#pragma once

#include "gantry/core/Section.h"
#include "gantry/train/OptimizerSpec.h"

#include <string>
#include <vector>

namespace gantry::train {

/// The [sweep] section: a population's members that differ by their
/// learning rates (docs/population.md). An empty list sweeps nothing: the
/// [optimizer] section's rate holds for every member.
///
///   [run]
///   population = 6            # 3 settings x 2 seeds
///   [sweep]
///   sweep_lr_d = [1e-4, 3e-4, 1e-3]
///
/// Member n trains setting n mod C (C settings) from seed + n / C, so every
/// setting sees the same seeds: members 0, 1, 2 are seed's run at each
/// lr_d, members 3, 4, 5 seed + 1's.
struct SweepSettings {
  std::vector<double> sweep_lr_d;
  std::vector<double> sweep_lr_g;
  std::string sweep = "grid";
  /// Each member's factor on both of its rates (empty: 1 for every
  /// member). on_divergence = rollback lowers a diverged member's alone.
  std::vector<double> member_lr_factors;
};
const Section<SweepSettings>& sweepSection();

/// One setting of a sweep: both players' base learning rates.
struct SweepPoint {
  double lr_g = 0;
  double lr_d = 0;
};

/// The settings, in order. grid: every lr_d with every lr_g, lr_d outer
/// (a missing list: the optimizer's rate); list: the i-th entry of each
/// list, which must be equally long (UserError naming the keys). No sweep:
/// the one setting of the [optimizer] section.
std::vector<SweepPoint> sweepPoints(const SweepSettings& sweep, const OptimizerSettings& optimizer);

/// Whether the settings sweep anything.
inline bool sweeps(const SweepSettings& sweep) { return !sweep.sweep_lr_d.empty() || !sweep.sweep_lr_g.empty(); }

/// What member n of a population trains: setting n mod C (of C) from seed
/// + n / C, its rates times its member_lr_factors entry.
struct MemberSetting {
  int64_t seedOffset = 0;
  SweepPoint rates;
  double factor = 1;
};

/// Every member's, for n < population.
std::vector<MemberSetting> populationMembers(const SweepSettings& sweep, const OptimizerSettings& optimizer,
                                             int64_t population);

/// Whether some member trains at other rates than member 0.
bool membersDiffer(const std::vector<MemberSetting>& members);

}  // namespace gantry::train
