#include "gantry/train/rules/Consensus.h"

#include <torch/torch.h>

namespace gantry::train {

void ConsensusRule::step(Arena& arena) {
  for (int64_t i = 0; i + 1 < dSteps_; ++i) arena.discriminatorStep();
  arena.beginUpdate(Side::Discriminator);
  arena.beginUpdate(Side::Generator);
  auto real = arena.realBatch();
  auto fake = arena.generate(arena.noise(), /*withGraph=*/true);
  auto pass = arena.discriminate(real, fake);
  auto gLoss = arena.generatorLoss(pass);
  auto gParameters = arena.player(Side::Generator).parameters();
  auto dParameters = arena.player(Side::Discriminator).parameters();
  // g = (∇_G L_G, ∇_D L_D), kept in the graph to be differentiated again.
  auto gGrads = torch::autograd::grad({gLoss}, gParameters, {}, /*retain_graph=*/true, /*create_graph=*/true);
  auto dGrads = torch::autograd::grad({pass.loss}, dParameters, {}, /*retain_graph=*/true, /*create_graph=*/true);
  torch::Tensor halfSquaredNorm = torch::zeros({}, pass.loss.options());
  for (const auto& g : gGrads) halfSquaredNorm = halfSquaredNorm + 0.5 * g.pow(2).sum();
  for (const auto& g : dGrads) halfSquaredNorm = halfSquaredNorm + 0.5 * g.pow(2).sum();
  // ∇L over both players' parameters at once (allow_unused: a parameter
  // that no gradient depends on, e.g. a last bias, has none).
  std::vector<torch::Tensor> all(gParameters);
  all.insert(all.end(), dParameters.begin(), dParameters.end());
  auto consensus = torch::autograd::grad({halfSquaredNorm}, all, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                         /*allow_unused=*/true);
  auto combine = [&](const std::vector<torch::Tensor>& g, size_t offset) {
    std::vector<torch::Tensor> direction;
    for (size_t i = 0; i < g.size(); ++i) {
      const auto& c = consensus[offset + i];
      direction.push_back(c.defined() ? g[i].detach() + weight_ * c : g[i].detach());
    }
    return direction;
  };
  arena.player(Side::Generator).setGradients(combine(gGrads, 0));
  arena.player(Side::Discriminator).setGradients(combine(dGrads, gGrads.size()));
  arena.update(Side::Discriminator);
  arena.update(Side::Generator);
  arena.recordDiscriminator(pass);
  arena.figures().set("g_loss", gLoss.detach());
  arena.figures().set("consensus_norm", halfSquaredNorm.detach());
}

const Section<ConsensusSettings>& consensusSection() {
  static const auto section =
      Section<ConsensusSettings>("consensus")
          .number("consensus_weight", &ConsensusSettings::consensus_weight,
                  "update = consensus: gamma, the weight of grad(1/2 |v|^2) (the paper's 10)", Range::atLeast(0));
  return section;
}

UpdateRuleEntry consensusRule() {
  UpdateRuleEntry entry;
  entry.name = "consensus";
  entry.summary = "both players follow g + gamma grad(1/2 |g|^2), g their joint gradient (consensus_weight)";
  entry.citation = "Mescheder, Nowozin & Geiger 2017, The Numerics of GANs";
  entry.keys = consensusSection().keys();
  entry.make = [](const Config& config, const UpdateSettings& settings) {
    return std::make_unique<ConsensusRule>(settings.d_steps, consensusSection().read(config).consensus_weight);
  };
  return entry;
}

}  // namespace gantry::train
