#include "gantry/train/Sweep.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>

#include <algorithm>

namespace gantry::train {

const Section<SweepSettings>& sweepSection() {
  using S = SweepSettings;
  static const auto section =
      Section<S>("sweep")
          .numbers("sweep_lr_d", &S::sweep_lr_d,
                   "population members' discriminator learning rates (empty: lr_d for all; docs/population.md)",
                   learningRateRange())
          .numbers("sweep_lr_g", &S::sweep_lr_g, "population members' generator learning rates (empty: lr_g for all)",
                   learningRateRange())
          .text("sweep", &S::sweep,
                "grid: every sweep_lr_d with every sweep_lr_g; list: their i-th entries together (equal lengths)",
                {"grid", "list"})
          .numbers("member_lr_factors", &S::member_lr_factors,
                   "each population member's factor on its learning rates, one per member (empty: 1 for all); "
                   "on_divergence = rollback lowers a diverged member's alone",
                   Range::greaterThan(0));
  return section;
}

std::vector<SweepPoint> sweepPoints(const SweepSettings& sweep, const OptimizerSettings& optimizer) {
  const auto ds = sweep.sweep_lr_d.empty() ? std::vector<double>{optimizer.lr_d} : sweep.sweep_lr_d;
  const auto gs = sweep.sweep_lr_g.empty() ? std::vector<double>{optimizer.lr_g} : sweep.sweep_lr_g;
  std::vector<SweepPoint> points;
  if (sweep.sweep == "list") {
    if (ds.size() != gs.size() && ds.size() > 1 && gs.size() > 1)
      throw UserError(fmt::format(
          "config keys 'sweep_lr_d' ({} entries) and 'sweep_lr_g' ({}) pair their entries (sweep = list): give "
          "them equal lengths, or set sweep = grid",
          ds.size(), gs.size()));
    for (size_t i = 0; i < std::max(ds.size(), gs.size()); ++i)
      points.push_back({gs[gs.size() == 1 ? 0 : i], ds[ds.size() == 1 ? 0 : i]});
    return points;
  }
  for (double d : ds)
    for (double g : gs) points.push_back({g, d});
  return points;
}

std::vector<MemberSetting> populationMembers(const SweepSettings& sweep, const OptimizerSettings& optimizer,
                                             int64_t population) {
  const auto points = sweepPoints(sweep, optimizer);
  const auto count = static_cast<int64_t>(points.size());
  std::vector<MemberSetting> members;
  for (int64_t n = 0; n < population; ++n) {
    MemberSetting member{n / count, points[static_cast<size_t>(n % count)], 1.0};
    if (!sweep.member_lr_factors.empty()) {
      member.factor = sweep.member_lr_factors.at(static_cast<size_t>(n));
      member.rates.lr_g *= member.factor;
      member.rates.lr_d *= member.factor;
    }
    members.push_back(member);
  }
  return members;
}

bool membersDiffer(const std::vector<MemberSetting>& members) {
  for (const auto& member : members)
    if (member.rates.lr_g != members.front().rates.lr_g || member.rates.lr_d != members.front().rates.lr_d) return true;
  return false;
}

}  // namespace gantry::train
