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
                   Range::atLeast(0))
          .numbers("sweep_lr_g", &S::sweep_lr_g, "population members' generator learning rates (empty: lr_g for all)",
                   Range::atLeast(0))
          .text("sweep", &S::sweep,
                "grid: every sweep_lr_d with every sweep_lr_g; list: their i-th entries together (equal lengths)",
                {"grid", "list"});
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

}  // namespace gantry::train
