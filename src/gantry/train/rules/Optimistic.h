#pragma once

#include "gantry/train/UpdateRule.h"

#include <vector>

namespace gantry::train {

/// Optimistic gradient descent (Daskalakis, Ilyas, Syrgkanis & Zeng 2018,
/// "Training GANs with Optimism", ICLR): each player steps twice along the
/// current gradient and back once along the previous one,
///
///   w_{t+1} = w_t − 2η F(w_t) + η F(w_{t−1}),
///
/// with F the joint gradient from one forward pass. Written with the
/// configured optimizer's step δ_t (δ_t = −ηF(w_t) for plain SGD):
/// w_{t+1} = w_t + 2δ_t − δ_{t−1}, so that with Adam it is optimistic Adam
/// (the paper's Optimistic Adam; Gidel et al. 2019 §4). The first step has
/// no previous one and takes δ_{−1} = δ_0, a plain step. δ_{t−1} is the
/// rule's state, kept in checkpoints. On the bilinear game with small η it
/// converges to the equilibrium, where simultaneous steps spiral outward.
/// With k = d_steps > 1, k − 1 plain D updates come first.
class OptimisticRule : public UpdateRule {
 public:
  explicit OptimisticRule(int64_t dSteps) : dSteps_(dSteps) {}
  std::string name() const override { return "optimistic"; }
  void step(Arena& arena) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  /// Steps one player (its gradient taken already) optimistically.
  void stepOptimistically(Arena& arena, Side side, std::vector<torch::Tensor>& previous);

  int64_t dSteps_;
  std::vector<torch::Tensor> previousD_, previousG_;  // δ_{t−1} of each player (empty before the first step)
};

UpdateRuleEntry optimisticRule();

}  // namespace gantry::train
