#include "gantry/objectives/Game.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>

namespace gantry::objectives {

const Section<GameSettings>& gameSection() {
  static const auto section = [] {
    std::vector<std::string> penaltyChoices = {"none"};
    for (const auto& name : penaltyNames()) penaltyChoices.push_back(name);
    return Section<GameSettings>("game")
        .text("objective", &GameSettings::objective,
              "the game (gantry list objectives; docs/objectives.md): minimax, nonsaturating, f-GAN divergences, "
              "Wasserstein, least squares, hinge, relativistic",
              objectiveNames())
        .number("weight_clip", &GameSettings::weight_clip,
                "wgan: critic weights clipped to [-c, c] after every update (0 = no clipping)", Range::atLeast(0))
        .flag("d_loss_sum", &GameSettings::d_loss_sum,
              "minimax, nonsaturating: D's loss is -V, the sum of its two BCE terms (Mescheder et al. 2018), "
              "not -V/2 (the 2014 code); the other objectives' losses are their papers'")
        .text("penalty", &GameSettings::penalty,
              "term added to D's loss: r1 (real data), r2 (generated), gp (WGAN-GP interpolates); wgan-gp implies gp",
              penaltyChoices)
        .number("penalty_weight", &GameSettings::penalty_weight,
                "weight of the penalty: gamma of r1/r2 (gamma/2 E|grad D|^2), lambda of gp", Range::atLeast(0))
        .flag("gp_one_sided", &GameSettings::gp_one_sided, "gp: penalise only gradient norms above 1")
        .number("instance_noise", &GameSettings::instance_noise,
                "std of Gaussian noise added to every input of D (0 = off)", Range::atLeast(0))
        .integer("instance_noise_anneal", &GameSettings::instance_noise_anneal,
                 "steps over which instance_noise decays linearly to 0 (0 = constant)", Range::atLeast(0))
        .number("class_loss_weight", &GameSettings::class_loss_weight,
                "conditional = acgan: weight of the class head's cross-entropy in both players' losses (real and "
                "generated batches for D, generated for G), D's at the scale of its adversarial loss (1/2 unless "
                "d_loss_sum), so that 1 is the paper's L_S + L_C (Odena et al. 2017: 1)",
                Range::atLeast(0))
        .flag("class_loss_d_real", &GameSettings::class_loss_d_real,
              "conditional = acgan: D's class term covers real data (the paper's); false: generated batches "
              "alone, the data's labels unread, the classes a code G and D agree on (InfoGAN's categorical "
              "code, Chen et al. 2016)")
        .flag("class_loss_d_fake", &GameSettings::class_loss_d_fake,
              "conditional = acgan: D's class term covers the generated batch too (the paper's); false: real "
              "data alone, so that D's class head stays a classifier of real data (docs/presets.md, acgan-mnist)")
        .flag("feature_matching", &GameSettings::feature_matching,
              "G's loss is |E f(x) - E f(G(z))|^2 over D's features f before its last layer, in place of the "
              "objective's (Salimans et al. 2016); D's is unchanged");
  }();
  return section;
}

Game buildGame(const GameSettings& settings) {
  ObjectiveOptions options;
  options.weight_clip = settings.weight_clip;
  options.d_loss_sum = settings.d_loss_sum;
  Game game;
  game.objective = objectives().require(settings.objective, "config key 'objective'").make(options);
  const auto implied = game.objective->impliedPenalty();
  if (!implied.empty() && settings.penalty != "none" && settings.penalty != implied)
    throw UserError(
        fmt::format("config key 'penalty' = {} does not go with objective = {}, which includes the {} "
                    "penalty; set penalty = none, or objective = wgan with weight_clip",
                    settings.penalty, settings.objective, implied));
  const std::string name = implied.empty() ? settings.penalty : implied;
  if (name != "none") {
    PenaltyOptions penaltyOptions;
    penaltyOptions.one_sided = settings.gp_one_sided;
    game.penalties.push_back(
        {penalties().require(name, "config key 'penalty'").make(penaltyOptions), settings.penalty_weight});
  }
  game.instanceNoise.std = settings.instance_noise;
  game.instanceNoise.anneal_steps = settings.instance_noise_anneal;
  game.classLoss.weight = settings.class_loss_weight;
  game.classLoss.discriminatorOnReal = settings.class_loss_d_real;
  game.classLoss.discriminatorOnFake = settings.class_loss_d_fake;
  if (!settings.class_loss_d_real && !settings.class_loss_d_fake)
    throw UserError(
        "config keys 'class_loss_d_real' and 'class_loss_d_fake' are both false, which leaves D's class head "
        "untrained; set one of them to true");
  game.featureMatching.enabled = settings.feature_matching;
  return game;
}

}  // namespace gantry::objectives
