#pragma once

#include "gantry/eval/dynamics/Spectrum.h"
#include "gantry/train/Arena.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace gantry::eval {

/// The vector field that both players' parameters w = (θ, ψ) follow under
/// gradient descent, and its Jacobian (Mescheder, Nowozin & Geiger 2017,
/// "The Numerics of GANs"; Berard et al. 2020, "A Closer Look at the
/// Optimization Landscapes of Generative Adversarial Networks"):
///
///   v(w) = −(∇_θ L_G(θ, ψ), ∇_ψ L_D(θ, ψ)),   J(w) = ∂v/∂w,
///
/// with each player's loss as the run trains it (the objective, D's
/// penalties, instance noise). A point where v = 0 is locally attracting
/// when every eigenvalue of J has a negative real part; large imaginary
/// parts are the rotation that makes GAN training cycle.
///
/// The field is taken on one fixed evaluation batch: real samples, codes and
/// instance noise drawn once (the noise moment-matched: its sample mean and
/// variance exactly the distribution's), and dropout masks drawn anew from
/// one seed at every evaluation, so that v is a deterministic function of w. Products with J need no matrix: Jᵀu is one
/// backward pass through the graph of v (a second derivative), and J's
/// eigenvalues are Jᵀ's.
///
///   JointField field(arena, 1000, 0);
///   auto v = field.evaluate();               // at the players' parameters
///   auto row = field.transposeProduct(e_i);  // Jᵀe_i: row i of J
class JointField {
 public:
  /// Over the arena's players at their current parameters, whose dtype
  /// (float32 or float64) the batch is converted to. The arena's models must
  /// take twice-differentiable paths (models::Execution). Draws the batch
  /// now, with the default CPU generator.
  JointField(train::Arena& arena, int64_t batch, uint64_t seed);

  /// Parameters in all, and of one player (G's come first in flat vectors).
  int64_t size() const { return sizeG_ + sizeD_; }
  int64_t size(train::Side side) const { return side == train::Side::Generator ? sizeG_ : sizeD_; }
  int64_t batch() const { return batch_; }

  /// w as one flat vector [n] (G's parameters, then D's), and back.
  torch::Tensor point() const;
  void setPoint(const torch::Tensor& w);

  /// v at the current point, flat [n]; forProducts: keeps the graph that
  /// the products below differentiate (reseeds the default CPU generator with the seed,
  /// for dropout masks).
  torch::Tensor evaluate(bool forProducts = true);
  /// Jᵀu at the point of the last evaluate(), u flat [n].
  torch::Tensor transposeProduct(const torch::Tensor& u);
  /// H u for the player's Hessian of its own loss (∇²_θ L_G or ∇²_ψ L_D,
  /// symmetric; J's diagonal block is −H), u flat over its parameters.
  torch::Tensor hessianProduct(train::Side side, const torch::Tensor& u);
  /// J as a dense [n, n] matrix, from n products (small models only).
  torch::Tensor matrix();

 private:
  std::vector<torch::Tensor> parameters(train::Side side) const;
  /// ∂/∂wrt of Σ_i ⟨gradients_i, u_i⟩, flattened, with u_i the slice of
  /// the flat u that belongs to parameter `of[i]`.
  torch::Tensor productOf(const std::vector<torch::Tensor>& gradients, const std::vector<torch::Tensor>& of,
                          const torch::Tensor& u, const std::vector<torch::Tensor>& wrt) const;

  train::Arena& arena_;
  int64_t batch_;
  uint64_t seed_;
  int64_t sizeG_ = 0, sizeD_ = 0;
  data::Batch real_;
  train::Noise noise_;
  double instanceNoise_ = 0;                            // σ at the arena's step
  torch::Tensor realNoise_, fakeNoise_;                 // standard normal, moment-matched
  std::vector<torch::Tensor> gGradients_, dGradients_;  // of the last evaluate(), with their graph
};

/// x ↦ Jᵀx and x ↦ H x (one player's Hessian) as the eigensolvers call
/// them: doubles in and out, at the point of the field's last evaluate().
LinearOperator transposeOperator(JointField& field);
LinearOperator hessianOperator(JointField& field, train::Side side);

/// A tensor's values as doubles, on the CPU.
std::vector<double> doubles(const torch::Tensor& t);

}  // namespace gantry::eval
