#pragma once

#include "gantry/core/Figures.h"
#include "gantry/core/Registry.h"
#include "gantry/models/Discriminator.h"

#include <torch/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gantry::objectives {

/// A GAN game, written on D's raw outputs ("logits": a logit for the
/// probability games, a critic's value for the others). The update rule owns
/// the schedule (which player moves when); an objective only says what each
/// player minimises and what the game's value is, so games and rules are
/// interchangeable. Both players' losses see D's outputs on the real and the
/// generated batch; a game whose generator loss reads the real side says so
/// (generatorReadsReal), so that the others cost no extra pass.
class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;

  /// The loss the discriminator minimises, from logits on real [N] and
  /// generated [M] samples.
  virtual torch::Tensor discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const = 0;

  /// D's loss as a multiple of the one its paper has D minimise: ½ for the
  /// 2014 code's −V/2 (MinimaxObjective without d_loss_sum), 1 elsewhere.
  /// A term that a paper adds to D's objective beside the game's (AC-GAN's
  /// class term: D maximises L_S + L_C) is scaled alike, so that its weight
  /// keeps the paper's meaning.
  virtual double discriminatorLossScale() const { return 1.0; }

  /// The loss the generator minimises, from logits on real [N] and generated
  /// [M] samples. `realLogits` is undefined unless generatorReadsReal().
  virtual torch::Tensor generatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const = 0;
  /// Whether generatorLoss reads D's outputs on real data (the relativistic
  /// games do; the others need no real batch in G's update).
  virtual bool generatorReadsReal() const { return false; }
  /// Whether a sample's loss reads other samples of its batch (RaGAN's
  /// batch means): a population, whose members' batches are one, cannot
  /// train it.
  virtual bool comparesAcrossBatch() const { return false; }

  /// D's output as the game reads it, per sample, for the logs (d_real and
  /// d_fake are its means): the probability sigmoid(logit) for the games on
  /// probabilities (the default), the raw value for critics (WGAN, hinge,
  /// least squares, relativistic), T = g_f(v) for f-GANs.
  virtual torch::Tensor reportedOutput(const torch::Tensor& logits) const;

  /// Figures of the game's own for the training log, from D's logits on a
  /// real and a generated batch (detached). `figures` already holds this
  /// step's d_loss, d_real, d_fake and value (value(realLogits, fakeLogits)).
  virtual void addFigures(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits, Figures& figures) const {}

  /// Minibatch estimate of the game's value V(D, G) (for monitoring).
  virtual torch::Tensor value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const = 0;

  /// Where the game's figures stand at its equilibrium p_g = p_data, for
  /// reference lines beside the logged value and D's outputs (the run
  /// report): each unset where the game fixes no such number.
  struct Equilibrium {
    std::optional<double> value;  // V(D, G) there
    std::optional<double> d;      // D's output there, as reportedOutput reads it
  };
  virtual Equilibrium equilibrium() const { return {}; }
  /// Brings D back into the set of functions the game allows it, after each
  /// of its updates (WGAN: weights clipped to [−c, c]). Default: no constraint.
  virtual void constrainDiscriminator(models::Discriminator& discriminator) const {}

  /// The config name of a penalty that is part of this game's definition
  /// ("gp" for WGAN-GP), or empty.
  virtual std::string impliedPenalty() const { return ""; }
};

struct ObjectiveOptions {
  /// wgan: the weight clipping bound c (Arjovsky et al. 2017 use 0.01); 0:
  /// no clipping (an unconstrained critic: the bilinear game of the
  /// Dirac-GAN).
  double weight_clip = 0.01;
  /// minimax, nonsaturating: D's loss is −V = BCE(D(x), 1) + BCE(D(G(z)), 0),
  /// the sum (PyTorch's DCGAN example; Mescheder et al. 2018, whose closed
  /// forms for the Dirac-GAN assume it), instead of −V/2, the mean over both
  /// halves of the batch (the 2014 authors' code, the default).
  bool d_loss_sum = false;
};

/// An objective's registry entry.
struct ObjectiveEntry : RegistryEntry {
  std::function<std::unique_ptr<Objective>(const ObjectiveOptions&)> make;
};

/// The objectives by config name: minimax, nonsaturating, lsgan, hinge,
/// wgan, wgan-gp, the f-GANs, rsgan, ragan.
const Registry<ObjectiveEntry>& objectives();

/// The objective of that name, or nullptr for an unknown name.
std::unique_ptr<Objective> makeObjective(const std::string& name, const ObjectiveOptions& options = {});
std::vector<std::string> objectiveNames();

}  // namespace gantry::objectives
