#pragma once

#include "gantry/core/Config.h"
#include "gantry/io/Chart.h"
#include "gantry/train/Trainer.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gantry::app {

/// Up to this many parameters `--method auto` forms the Jacobian densely.
constexpr int64_t kDenseLimit = 2000;

/// A run's game restored from a checkpoint for the dynamics tools: the
/// checkpoint's own config, its trainer with both players, their models
/// switched to twice-differentiable float64 passes on every core.
struct TrainedGame {
  Config config;
  std::unique_ptr<train::Trainer> trainer;
};
/// `gameAssignments` ("penalty=r1", ...) change the game's keys only (the
/// same point under another game: what R1 does to a run's spectrum).
TrainedGame loadTrainedGame(const std::filesystem::path& checkpoint,
                            const std::vector<std::string>& gameAssignments = {});

/// Switches a trainer's players to what the dynamics tools need: pending
/// work finished, twice-differentiable float64 passes, every core. The
/// trainer is for inspection from then on, not for training.
void prepareForDynamics(train::Trainer& trainer);

/// The expected field (θ, ψ) of a Dirac-GAN trainer's game on a 17 × 17
/// grid over [−extent, extent]², for arrows under its trajectories.
io::ChartArrows diracFieldArrows(train::Trainer& trainer, double extent);

/// The checkpoint a dynamics command reads: `checkpoint` if given, else the
/// run folder's checkpoint.pt (UserError when neither names one).
std::filesystem::path checkpointOf(const std::filesystem::path& run, const std::filesystem::path& checkpoint);

}  // namespace gantry::app
