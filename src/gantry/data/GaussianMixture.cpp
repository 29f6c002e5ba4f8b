#include "gantry/data/GaussianMixture.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::data {

GaussianMixture::GaussianMixture(std::string name, torch::Tensor means, double std)
    : name_(std::move(name)), means_(means.to(torch::kFloat32).contiguous()), std_(std) {
  TORCH_CHECK(means_.dim() == 2 && means_.size(0) > 0, "GaussianMixture needs means [M, dim]");
}

torch::Tensor GaussianMixture::sample(int64_t n, c10::optional<at::Generator> generator) const {
  return sampleWithComponents(n, generator).first;
}

std::pair<torch::Tensor, torch::Tensor> GaussianMixture::sampleWithComponents(
    int64_t n, c10::optional<at::Generator> generator) const {
  auto component = torch::randint(0, components(), {n}, generator, torch::kLong);
  auto noise = at::normal(0.0, std_, {n, dim()}, generator);
  return {means_.index_select(0, component) + noise, component};
}

torch::Tensor GaussianMixture::density(const torch::Tensor& points) const {
  if (std_ <= 0.0) return {};
  auto x = points.to(torch::kFloat64).reshape({points.size(0), dim()});
  auto mu = means_.to(torch::kFloat64);
  auto sq = torch::cdist(x, mu).pow(2);  // [N, M]
  double norm = std::pow(2.0 * M_PI * std_ * std_, -0.5 * static_cast<double>(dim()));
  return (torch::exp(-sq / (2.0 * std_ * std_)) * norm).mean(1);
}

std::unique_ptr<GaussianMixture> makeToyDistribution(const std::string& name) {
  if (name == "gaussian1d") {
    return std::make_unique<GaussianMixture>(name, torch::full({1, 1}, 4.0), 0.5);
  }
  if (name == "ring8") {
    auto k = torch::arange(8, torch::kFloat64) * (2.0 * M_PI / 8.0);
    return std::make_unique<GaussianMixture>(name, torch::stack({torch::cos(k), torch::sin(k)}, 1), 0.01);
  }
  if (name == "grid25") {
    auto axis = torch::tensor({-4.0, -2.0, 0.0, 2.0, 4.0}, torch::kFloat64);
    auto grid = torch::meshgrid({axis, axis}, "ij");
    return std::make_unique<GaussianMixture>(name, torch::stack({grid[0].reshape(-1), grid[1].reshape(-1)}, 1), 0.05);
  }
  if (name == "dirac") return std::make_unique<GaussianMixture>(name, torch::zeros({1, 1}), 0.0);
  return nullptr;
}

std::vector<std::string> toyDistributionNames() { return {"gaussian1d", "ring8", "grid25", "dirac"}; }

}  // namespace gantry::data

namespace gantry::data {

DatasetEntry toyDataset(const std::string& name, const std::string& summary) {
  DatasetEntry entry;
  entry.name = name;
  entry.summary = summary;
  entry.distribution = [name] { return makeToyDistribution(name); };
  return entry;
}

}  // namespace gantry::data
