#include "gantry/core/MemberStreams.h"

#include "gantry/core/Error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

namespace gantry {

MemberStreams::MemberStreams(std::vector<torch::Tensor> states) : states_(std::move(states)) {}

void MemberStreams::run(int64_t member, const std::function<void()>& work) {
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto outer = generator.get_state();
  auto& state = states_.at(static_cast<size_t>(member));
  generator.set_state(state);
  try {
    work();
  } catch (...) {
    state = generator.get_state();
    generator.set_state(outer);
    throw;
  }
  state = generator.get_state();
  generator.set_state(outer);
}

torch::Tensor MemberStreams::rows(const std::function<torch::Tensor(int64_t)>& draw) {
  std::vector<torch::Tensor> parts;
  parts.reserve(states_.size());
  for (int64_t n = 0; n < size(); ++n) run(n, [&] { parts.push_back(draw(n)); });
  return torch::cat(parts);
}

torch::Tensor MemberStreams::states() const { return torch::stack(states_); }

void MemberStreams::setStates(const torch::Tensor& states) {
  if (states.dim() != 2 || states.size(0) != size())
    throw UserError(fmt::format("the checkpoint holds the random streams of {} members, this run has {}",
                                states.dim() == 2 ? states.size(0) : 0, size()));
  for (int64_t n = 0; n < size(); ++n) states_[static_cast<size_t>(n)] = states[n].clone();
}

}  // namespace gantry
