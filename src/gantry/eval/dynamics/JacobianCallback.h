#pragma once

#include "gantry/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <functional>

namespace gantry::eval {

/// The top eigenvalues of the game's Jacobian during training (jacobian_every),
/// so that the spectrum's drift over a run can be plotted: every `every`
/// steps, on a batch of its own, it hands
///   {"step": s, "eigenvalues": [{"re", "im"}, ...], "method": ..., "converged": ..., "seconds": ...}
/// to `sink` (gantry writes jacobian.jsonl). It leaves training as it found
/// it: the random generator's state, the data's position, the models'
/// execution and their buffers (batch norm's running statistics, which its
/// train-mode passes move) are put back, and it takes gradients with
/// autograd::grad, not into the parameters' .grad, so a run with it is the
/// same, bit for bit, as without.
class JacobianCallback : public train::Callback {
 public:
  using Sink = std::function<void(const nlohmann::json& line)>;
  JacobianCallback(int64_t every, int64_t top, int64_t batch, Sink sink);
  void onStep(train::Trainer& trainer, const Figures& figures) override;

  /// The spectrum now: up to 2,000 parameters all of it densely (the top
  /// `top` kept), else the top `top` by Arnoldi; largest magnitude first.
  static nlohmann::json spectrum(train::Arena& arena, int64_t top, int64_t batch, uint64_t seed);

 private:
  int64_t every_, top_, batch_;
  Sink sink_;
};

}  // namespace gantry::eval
