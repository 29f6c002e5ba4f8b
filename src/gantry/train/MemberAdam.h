#pragma once

#include <torch/optim/adam.h>
#include <torch/types.h>

#include <vector>

namespace gantry::train {

/// One step of LibTorch's Adam (1.13, without amsgrad) in which each
/// element of a parameter steps at its member's learning rate: a
/// population's sweep (gantry/train/Sweep.h). The moments and the step count
/// are the optimizer's own state, updated as its step() updates them, so
/// checkpoints stay the optimizer's. The update is the same sequence of
/// tensor operations as Adam::step()'s with one change: where it takes
///   p.addcdiv_(m, denom, -lr / bias_correction1)
/// this takes p.addcdiv_(m * s, denom) with s the element's float
/// -lr_n / bias_correction1. addcdiv computes p + (value·m)/denom, and
/// value·m = s·m when value = 1, so each member's parameters are those of a
/// run at lr_n bit for bit.
///
/// `memberOf[i]`: for the i-th parameter of the optimizer (in its group's
/// order), each element's member, as int64 of the parameter's shape.
/// `rates[n]`: member n's learning rate for this step.
void memberAdamStep(torch::optim::Adam& adam, const std::vector<torch::Tensor>& memberOf,
                    const std::vector<double>& rates);

}  // namespace gantry::train
