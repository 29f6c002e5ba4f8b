#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace gantry::train {

/// The arithmetic of the players' forward passes.
///   Float32:  everything in float32.
///   BFloat16: LibTorch's autocast: matrix products (linear, matmul,
///             convolution) run in bfloat16, which CPUs with AVX-512 BF16
///             (and CUDA GPUs) do at a multiple of the float32 rate; the
///             parameters, their updates and the losses stay float32.
enum class Precision { Float32, BFloat16 };
Precision parsePrecision(const std::string& name);  // "float32" | "bf16"
const std::vector<std::string>& precisionNames();

/// Autocast on the device for the lifetime of the object when the precision
/// asks for it (and nothing otherwise). On CUDA autocast caches low-precision
/// copies of the weights until the outermost scope ends, so scope forward
/// passes only: a scope that outlived an optimizer step would reuse stale
/// copies. (LibTorch 1.13 does not cache on the CPU.)
class AutocastScope {
 public:
  AutocastScope(Precision precision, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool previouslyEnabled_ = false;
  torch::ScalarType previousType_ = torch::kFloat32;
};

}  // namespace gantry::train
