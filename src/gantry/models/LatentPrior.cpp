#include "gantry/models/LatentPrior.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::models {

namespace {

const std::pair<const char*, LatentPrior::Kind> kKinds[] = {{"uniform", LatentPrior::Kind::Uniform},
                                                            {"normal", LatentPrior::Kind::Normal}};

}  // namespace

LatentPrior::Kind LatentPrior::parseKind(const std::string& name) {
  for (const auto& [kindName, kind] : kKinds)
    if (name == kindName) return kind;
  throw std::invalid_argument("unknown latent prior '" + name + "'");
}

const std::vector<std::string>& LatentPrior::kindNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : kKinds) all.push_back(entry.first);
    return all;
  }();
  return names;
}

torch::Tensor LatentPrior::sample(int64_t n, const torch::TensorOptions& options,
                                  c10::optional<at::Generator> generator) const {
  // Draw on the CPU with the (seeded) CPU generator, then move: the codes are
  // then the same on every device for a given seed.
  auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor z;
  if (kind_ == Kind::Uniform) {
    const double bound = std::sqrt(3.0);
    z = at::empty({n, dim_}, cpu).uniform_(-bound, bound, generator);
  } else {
    z = at::empty({n, dim_}, cpu).normal_(0.0, 1.0, generator);
  }
  return options.has_device() ? z.to(options.device()) : z;
}

}  // namespace gantry::models
