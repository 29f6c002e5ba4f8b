#pragma once

#include "gantry/core/Figures.h"
#include "gantry/train/Trainer.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace gantry::train {

/// A run whose losses or parameters stopped being finite numbers: NaN or an
/// infinity, from which no optimizer step comes back. Thrown out of
/// Trainer::run by DivergenceGuard and by writeCheckpoint, which never
/// writes such a state; what to do then (stop, roll back) is the caller's
/// policy (the `on_divergence` key, docs/reliability.md).
class Diverged : public std::runtime_error {
 public:
  Diverged(int64_t step, const std::string& what);
  int64_t step() const { return step_; }
  /// What was not finite: "d_loss", "generator parameter 2".
  const std::string& culprit() const { return culprit_; }

 private:
  int64_t step_;
  std::string culprit_;
};

/// The first of the trainer's parameters (G's, then D's) that holds a NaN
/// or an infinity, as "generator parameter 2"; empty when all are finite.
/// One synchronisation with the device for all of them.
std::string nonFiniteParameter(Trainer& trainer);

/// A population's members (of `members`, stacked along every parameter's
/// leading dimension) that hold a NaN or an infinity in any parameter of G
/// or D, in order. One synchronisation with the device.
std::vector<int64_t> nonFiniteMembers(Trainer& trainer, int64_t members);

/// Checks the figures of every step and both players' parameters at the
/// end of each interval (the metrics lines', FigureInterval: every log_every
/// steps and at each checkpoint): a run that diverges is caught within one
/// log interval, before that step's metrics line and checkpoint (put it
/// first among the callbacks). Throws Diverged.
///
/// The figures are summed over the interval (FigureSums: no synchronisation
/// between checks): a NaN or an infinity at any step of it stays in the
/// sum, as it would in the metrics line's mean.
class DivergenceGuard : public Callback {
 public:
  explicit DivergenceGuard(FigureInterval interval) : interval_(interval) {}
  void onStep(Trainer& trainer, const Figures& figures) override;

 private:
  FigureInterval interval_;
  FigureSums sums_;
};

}  // namespace gantry::train
