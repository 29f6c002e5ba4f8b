#pragma once

#include "gantry/core/Section.h"
#include "gantry/models/Discriminator.h"
#include "gantry/models/Generator.h"
#include "gantry/models/ModelFamily.h"

namespace gantry::models {

/// The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which Training Methods
/// for GANs do actually Converge?", ICML, §2.2): the data is δ₀, the
/// generator δ_θ (every sample is θ, whatever the noise) and the
/// discriminator linear, D(x) = ψ·x (a logit, or a critic's value):
///
///   L(θ, ψ) = f(−ψθ) + f(0)
///
/// for the game's f (f(t) = −log(1 + e^{−t}) for the original game): the
/// paper's f(ψθ) + f(0) with ψ's sign flipped, since gantry's D is high on
/// the real data, here at 0, and low on G's θ (the first step of the dirac
/// preset from θ = ψ = 1 logs value f(−1) + f(0) = −2.0064). The dynamics
/// are the paper's, mirrored in ψ. With objective = wgan the critic loses
/// ψθ − ψ·0 and the generator −ψθ: the bilinear game. The unique
/// equilibrium is θ = ψ = 0; the paper's Figure 1 and Table 1 give which
/// update rules and penalties converge to it. Two parameters in all, so every update rule can be checked against
/// its closed form on it (docs/architecture.md, tests/train/DiracTest.cpp).
class DiracGenerator : public Generator {
 public:
  explicit DiracGenerator(double theta0);
  /// [N, 1], every row θ.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t latentDim() const override { return 1; }
  std::vector<int64_t> outputShape() const override { return {1}; }
  void addFigures(Figures& figures) const override;
  torch::Tensor theta;
};

class DiracDiscriminator : public Discriminator {
 public:
  explicit DiracDiscriminator(double psi0);
  /// ψ·x for samples [N, 1] -> [N].
  DiscriminatorOutput forward(const torch::Tensor& x, const torch::Tensor& labels = {}) override;
  std::vector<torch::Tensor*> parameterSlots() override { return {&psi}; }
  void addFigures(Figures& figures) const override;
  torch::Tensor psi;
};

/// The [dirac] section: where training starts (the paper's (1, 1)).
struct DiracSettings {
  double dirac_theta0 = 1.0;
  double dirac_psi0 = 1.0;
};
const Section<DiracSettings>& diracSection();

/// The family `dirac` (1-d data: dataset = dirac).
ModelFamilyEntry diracFamily();

}  // namespace gantry::models
