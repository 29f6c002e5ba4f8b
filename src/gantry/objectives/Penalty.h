#pragma once

#include "gantry/core/Registry.h"
#include "gantry/data/Batch.h"
#include "gantry/models/Discriminator.h"

#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gantry::objectives {

/// A regulariser of the discriminator: a term the trainer adds to D's loss,
/// times its weight, at every discriminator update. Works with any objective.
class Penalty {
 public:
  virtual ~Penalty() = default;
  virtual std::string name() const = 0;
  /// The unweighted term on a minibatch of real and generated samples (as D
  /// sees them, with their labels for a conditional D), differentiable with
  /// respect to D's parameters. It runs D on its own points: a further term
  /// of D's gradient beside those of the objective's two passes.
  virtual torch::Tensor compute(models::Discriminator& discriminator, const data::Batch& real,
                                const data::Batch& fake) const = 0;
};

/// The penalty and its weight, as the trainer applies it.
struct WeightedPenalty {
  std::shared_ptr<const Penalty> penalty;
  double weight = 0.0;
};

/// ∇_x ΣD for each sample, shaped like x, kept in the autograd graph
/// (create_graph) so a penalty on it can be differentiated with respect to
/// D's parameters. While each output reads its own input alone, row i is
/// the gradient of the output that judges sample i (its pack's, under
/// PacGAN) with respect to that sample. With batch features (minibatch
/// discrimination, minibatch standard deviation) or batch norm in D, the
/// rows also carry the other samples' outputs' dependence on sample i: the
/// R1 of StyleGAN, whose D has a minibatch standard deviation, is computed
/// so. Gulrajani et al. (2017, §4) keep batch norm out of a penalised critic.
torch::Tensor inputGradients(models::Discriminator& discriminator, const torch::Tensor& x,
                             const torch::Tensor& labels = {});

/// The squared Euclidean norm of the gradient of each of D's inputs over all
/// its coordinates (pixels and channels together): [N / m] for a batch of N
/// samples in inputs of m consecutive ones (Discriminator::samplesPerInput;
/// a PacGAN pack's m, else 1, one norm per sample).
torch::Tensor perInputSquaredNorm(const torch::Tensor& gradients, int64_t samplesPerInput);

struct PenaltyOptions {
  /// gp: penalise only gradient norms above 1.
  bool one_sided = false;
};

struct PenaltyEntry : RegistryEntry {
  std::function<std::unique_ptr<Penalty>(const PenaltyOptions&)> make;
};

/// The penalties by config name: r1, r2, gp.
const Registry<PenaltyEntry>& penalties();

/// The penalty of that name; nullptr for an unknown name.
std::unique_ptr<Penalty> makePenalty(const std::string& name, const PenaltyOptions& options = {});
std::vector<std::string> penaltyNames();

}  // namespace gantry::objectives
