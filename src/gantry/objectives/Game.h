#pragma once

#include "gantry/core/Section.h"
#include "gantry/objectives/ClassLoss.h"
#include "gantry/objectives/FeatureMatching.h"
#include "gantry/objectives/InstanceNoise.h"
#include "gantry/objectives/Objective.h"
#include "gantry/objectives/Penalty.h"

#include <memory>
#include <string>
#include <vector>

namespace gantry::objectives {

/// The [game] section: what the players play.
struct GameSettings {
  std::string objective = "nonsaturating";
  double weight_clip = 0.01;
  bool d_loss_sum = false;
  std::string penalty = "none";
  double penalty_weight = 10.0;
  bool gp_one_sided = false;
  double instance_noise = 0.0;
  int64_t instance_noise_anneal = 0;
  double class_loss_weight = 1.0;
  bool class_loss_d_real = true;
  bool class_loss_d_fake = true;
  bool feature_matching = false;
};
const Section<GameSettings>& gameSection();

/// The game as the trainer plays it: the objective, the penalties D's loss
/// gets, the instance noise on D's inputs, and the class term both players'
/// losses get when D has a class head (AC-GAN), and G's feature matching
/// in place of the objective's G loss.
struct Game {
  std::shared_ptr<const Objective> objective;
  std::vector<WeightedPenalty> penalties;
  InstanceNoise instanceNoise;
  ClassLoss classLoss;
  FeatureMatching featureMatching;

  /// G's loss reads D's outputs on real data (a relativistic objective, or
  /// feature matching's target).
  bool generatorReadsReal() const { return objective->generatorReadsReal() || featureMatching.enabled; }
};

/// Builds the game of the settings: `penalty`, or the one the objective
/// implies (wgan-gp: gp), weighted by `penalty_weight`. Throws UserError
/// naming the key when two keys do not go together.
Game buildGame(const GameSettings& settings);

}  // namespace gantry::objectives
