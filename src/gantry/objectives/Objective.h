#pragma once

#include "gantry/models/Generator.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace gantry::objectives {

/// A GAN game, written on discriminator logits. The trainer owns the schedule
/// (which player moves when); an objective only says what each player
/// minimises and what the game's value is, so games are interchangeable.
class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;

  /// The loss the discriminator minimises, from logits on real [N] and
  /// generated [M] samples.
  virtual torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const = 0;

  /// The loss the generator minimises, from logits on generated samples.
  virtual torch::Tensor generatorLoss(const torch::Tensor& fakeLogits) const = 0;

  /// Minibatch estimate of the game's value V(D, G) (for monitoring).
  virtual torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const = 0;

  /// Brings D back into the set of functions the game allows it, after each
  /// of its updates (WGAN: weights clipped to [−c, c]). Default: no constraint.
  virtual void constrainDiscriminator(models::Discriminator& discriminator) const {}

  /// The config name of a penalty that is part of this game's definition
  /// ("gp" for WGAN-GP), or empty.
  virtual std::string impliedPenalty() const { return ""; }
};

struct ObjectiveOptions {
  /// wgan: the weight clipping bound c (Arjovsky et al. 2017 use 0.01).
  double weight_clip = 0.01;
};

/// The objectives by config name (objectiveNames(): "minimax",
/// "nonsaturating", "lsgan", "hinge", "wgan", "wgan-gp", "fgan-kl", ...);
/// nullptr for an unknown name.
std::unique_ptr<Objective> makeObjective(const std::string& name, const ObjectiveOptions& options = {});
std::vector<std::string> objectiveNames();

}  // namespace gantry::objectives
