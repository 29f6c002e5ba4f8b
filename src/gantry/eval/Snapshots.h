#pragma once

#include "gantry/data/Batch.h"
#include "gantry/data/GaussianMixture.h"
#include "gantry/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

namespace gantry::eval {

/// What the run report (gantry report) shows of the two players at moments
/// of a run, beyond the losses: how far apart D puts real and generated
/// samples, and for toy data where D and G stand over the data. One JSON
/// object per moment:
///   {"step": s,
///    "d_hist": {"lo", "hi", "real": [counts], "fake": [counts]},   D's output
///        as the game reads it (a probability, or a critic's value) on fixed
///        real samples and on G's samples from fixed codes, 40 bins;
///    "toy2d": {"extent", "grid", "d": [grid² values], "d_range": [lo, hi],
///        "samples": [[x, y]...] (500), "modes": [[x, y]...]}   (2-d toys,
///        unconditional D) D on a
///        grid over [−extent, extent]², row i at y = −extent + (i + ½)·step,
///        scaled to [0, 1] from d_range (the identity for probabilities);
///    "toy1d": {"x", "p_data", "p_g", "d", "d_star"}   (1-d toys with a
///        density, unconditional D) the 2014 paper's Figure 1: p_g a density of 20,000 of
///        G's samples, binned and smoothed over two grid steps, D* = p_data / (p_data + p_g).}
/// Everything is drawn from generators of its own, with both players in
/// eval mode and back, so a run's training is the same bit for bit with or
/// without snapshots.
class SnapshotCallback : public train::Callback {
 public:
  using Sink = std::function<void(const nlohmann::json& line)>;
  struct Inputs {
    data::Batch real;                                  // fixed real samples
    torch::Tensor latents, labels;                     // fixed codes for G (labels: conditional G)
    std::shared_ptr<const data::GaussianMixture> toy;  // null for data from files
    uint64_t seed = 0;                                 // for the 1-d view's samples
  };
  SnapshotCallback(int64_t every, Inputs inputs, Sink sink);
  void onStep(train::Trainer& trainer, const Figures& figures) override;
  void onEnd(train::Trainer& trainer) override;

  /// The snapshot of the trainer's players now (what the sink gets).
  nlohmann::json take(train::Trainer& trainer);

 private:
  int64_t every_;
  Inputs inputs_;
  Sink sink_;
  int64_t lastTaken_ = -1;
};

}  // namespace gantry::eval
