#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <vector>

namespace gantry::train {

/// Moves every parameter of a module into one contiguous tensor, and every
/// gradient into another: each parameter (and its .grad) becomes a view of
/// its slice. An optimizer given the one flat tensor then updates all
/// parameters with a handful of operations instead of a handful per
/// parameter; autograd accumulates into the gradient views in place, so the
/// flat gradient is always the module's gradient.
///
/// Call after the module is on its device. Module::load() and Module::to()
/// onto another device replace the parameters' storage: call rebind() after
/// either to move them back into the flat tensor.
class FlatParameters {
 public:
  explicit FlatParameters(torch::nn::Module& module);

  /// Whether flattening speeds the module's updates up. It saves the
  /// optimizer's per-parameter operations (a few µs each) but costs two
  /// passes over the gradients per step (zeroing, and autograd adding into
  /// the views instead of handing its buffers over): worth it below about
  /// 250,000 parameters. Measured: ring8 (33k per player) 20% less CPU time
  /// per step; mnist-mlp (2.5M and 1.2M) 10% more.
  static bool pays(torch::nn::Module& module);

  /// The flat parameter tensor, a leaf that holds its gradient: the one
  /// tensor to give an optimizer.
  const torch::Tensor& values() const { return values_; }
  /// Copies the module's current parameters into the flat tensor and makes
  /// them views of it again (values unchanged).
  void rebind();

 private:
  torch::nn::Module& module_;
  torch::Tensor values_;
};

}  // namespace gantry::train
