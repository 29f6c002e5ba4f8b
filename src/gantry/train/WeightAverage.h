#pragma once

#include "gantry/models/Generator.h"

#include <torch/serialize/archive.h>

#include <memory>

namespace gantry::train {

/// An exponential moving average of G's weights (`g_ema`): a second
/// generator whose weights trail the trained one's,
///
///   θ̄_t = β_t θ̄_{t−1} + (1 − β_t) θ_t,  β_t = min(β, (1 + t) / (10 + t)),
///
/// after every step t = 1, 2, ..., from θ̄_0 = θ_0. The warm-up factor is
/// TensorFlow's (tf.train.ExponentialMovingAverage with num_updates): early
/// averages forget the random start quickly instead of keeping β^t of it.
/// Floating-point buffers (batch norm's running statistics) are averaged the
/// same way, since the averaged weights see averaged activations (as
/// BigGAN's code does); integer buffers are copied.
///
/// Averaging G's iterates damps the rotation of the game around its
/// equilibrium (Yazıcı et al. 2019, The Unusual Effectiveness of Averaging
/// in GAN Training; Karras et al. 2018 sample from such an average).
class WeightAverage {
 public:
  /// `average`: a generator of the same shape as `live` (its weights are
  /// overwritten with live's); β in (0, 1).
  WeightAverage(std::shared_ptr<models::Generator> average, const models::Generator& live, double decay);

  /// After step `step` (1-based) of the live generator.
  void update(const models::Generator& live, int64_t step);

  /// β_t of the update after step t.
  double decayAt(int64_t step) const;

  models::Generator& generator() { return *average_; }
  void save(torch::serialize::OutputArchive& archive) const { average_->save(archive); }
  /// Loads the averaged weights onto the device the average is on.
  void load(torch::serialize::InputArchive& archive);

 private:
  std::shared_ptr<models::Generator> average_;
  double decay_;
};

}  // namespace gantry::train
