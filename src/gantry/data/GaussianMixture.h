#pragma once

#include "gantry/data/DatasetEntry.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gantry::data {

/// An equal-weight mixture of isotropic Gaussians, the toy distributions of
/// the GAN literature, sampled in code:
///   gaussian1d: N(4, 0.5^2)
///   ring8:      8 components at (cos 2πk/8, sin 2πk/8), std 0.01 (PacGAN protocol)
///   grid25:     25 components at {-4,-2,0,2,4}^2, std 0.05 (PacGAN protocol)
///   dirac:      the point mass δ₀ in 1-d (std 0), the data of the Dirac-GAN
///               (Mescheder, Geiger & Nowozin 2018)
class GaussianMixture {
 public:
  /// means: [M, dim]; every component has standard deviation `std`.
  GaussianMixture(std::string name, torch::Tensor means, double std);

  /// n samples [n, dim], drawn with the given generator (the default CPU
  /// generator when undefined), so runs are reproducible from the seed.
  torch::Tensor sample(int64_t n, c10::optional<at::Generator> generator = c10::nullopt) const;
  /// The same draw as sample(), with each sample's component [n] (int64).
  std::pair<torch::Tensor, torch::Tensor> sampleWithComponents(
      int64_t n, c10::optional<at::Generator> generator = c10::nullopt) const;

  /// Density at points [N, dim] -> [N] (undefined for a point mass: std 0).
  torch::Tensor density(const torch::Tensor& points) const;

  const std::string& name() const { return name_; }
  const torch::Tensor& means() const { return means_; }
  double componentStd() const { return std_; }
  int64_t dim() const { return means_.size(1); }
  int64_t components() const { return means_.size(0); }

 private:
  std::string name_;
  torch::Tensor means_;
  double std_;
};

/// The built-in toy distributions by name; nullptr for an unknown name.
std::unique_ptr<GaussianMixture> makeToyDistribution(const std::string& name);
std::vector<std::string> toyDistributionNames();

/// The toy distribution `name` as a dataset (sampled afresh at every draw).
DatasetEntry toyDataset(const std::string& name, const std::string& summary);

}  // namespace gantry::data
