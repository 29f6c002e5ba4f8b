#pragma once

#include <torch/types.h>

namespace gantry::data {

/// A minibatch as the players see it: samples [N, sample shape...] and their
/// class labels [N] (int64). Every data source labels its samples (MNIST's
/// digits, an image folder's subfolders, a toy mixture's components), and a
/// generated batch carries the labels G was asked for. Unconditional models
/// ignore the labels; they may be undefined for samples of unknown class.
struct Batch {
  torch::Tensor samples;
  torch::Tensor labels;

  int64_t size() const { return samples.size(0); }
};

}  // namespace gantry::data
