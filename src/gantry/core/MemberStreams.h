#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace gantry {

/// The random streams of a population's members (population training: N
/// independent GANs in one process, gantry/models/Model.h). Member n draws
/// what a run of its own with seed + n draws, in the same order: its state
/// is put into the default CPU generator around each of its draws, so the
/// code that draws (data, codes, instance noise) needs no generator of its
/// own, and a draw that is not a member's leaves the members' streams alone.
///
///   MemberStreams streams(states);  // one default-generator state per member
///   auto z = streams.rows([&](int64_t n) { return torch::randn({batch, dim}); });
///   // z: [N * batch, dim], member n's codes in rows [n * batch, (n + 1) * batch)
class MemberStreams {
 public:
  /// One member per state (at::Generator::get_state() of the default CPU
  /// generator, e.g. after seeding it with the member's seed and building
  /// its players).
  explicit MemberStreams(std::vector<torch::Tensor> states);

  int64_t size() const { return static_cast<int64_t>(states_.size()); }
  /// work(n) with member n's stream as the default CPU generator; the
  /// generator's own state is back afterwards (also when work throws).
  void run(int64_t member, const std::function<void()>& work);
  /// draw(n) for each member in turn, each with its own stream; the results
  /// concatenated along the first dimension, member 0's first.
  torch::Tensor rows(const std::function<torch::Tensor(int64_t)>& draw);

  /// [N, S] bytes: every member's state, for checkpoints.
  torch::Tensor states() const;
  /// Restores states(); throws UserError when the count of members differs.
  void setStates(const torch::Tensor& states);

 private:
  std::vector<torch::Tensor> states_;
};

}  // namespace gantry
