#include "gantry/models/Dirac.h"

#include "gantry/core/Error.h"

#include <torch/torch.h>

namespace gantry::models {

DiracGenerator::DiracGenerator(double theta0) {
  theta = register_parameter("theta", torch::full({1}, theta0, torch::kFloat32));
}

torch::Tensor DiracGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  return theta.view({1, 1}).expand({z.size(0), 1});
}

void DiracGenerator::addFigures(Figures& figures) const { figures.set("theta", theta.detach().clone().squeeze()); }

DiracDiscriminator::DiracDiscriminator(double psi0) {
  psi = register_parameter("psi", torch::full({1}, psi0, torch::kFloat32));
}

DiscriminatorOutput DiracDiscriminator::forward(const torch::Tensor& x, const torch::Tensor&) {
  return {x.reshape({x.size(0)}) * psi};
}

void DiracDiscriminator::addFigures(Figures& figures) const { figures.set("psi", psi.detach().clone().squeeze()); }

const Section<DiracSettings>& diracSection() {
  static const auto section =
      Section<DiracSettings>("dirac")
          .number("dirac_theta0", &DiracSettings::dirac_theta0, "model = dirac: the generator's start θ₀")
          .number("dirac_psi0", &DiracSettings::dirac_psi0, "model = dirac: the discriminator's start ψ₀");
  return section;
}

namespace {

void requireOneDimensional(const ModelContext& context) {
  if (context.sampleShape != std::vector<int64_t>{1})
    throw UserError("config key 'model' = dirac needs 1-d data; set dataset = dirac (the point mass at 0)");
}

}  // namespace

ModelFamilyEntry diracFamily() {
  ModelFamilyEntry entry;
  entry.name = "dirac";
  entry.summary = "the Dirac-GAN: G = point mass at theta, D(x) = psi * x, data at 0 (two parameters)";
  entry.citation = "Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?";
  entry.keys = diracSection().keys();
  entry.stabilisers = false;  // two parameters: no features, no packs
  entry.generator = [](const Config& config, const ModelContext& context) -> std::shared_ptr<Generator> {
    requireOneDimensional(context);
    return std::make_shared<DiracGenerator>(diracSection().read(config).dirac_theta0);
  };
  entry.discriminator = [](const Config& config, const ModelContext& context) -> std::shared_ptr<Discriminator> {
    requireOneDimensional(context);
    return std::make_shared<DiracDiscriminator>(diracSection().read(config).dirac_psi0);
  };
  return entry;
}

}  // namespace gantry::models
