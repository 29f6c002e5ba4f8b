#include "gantry/train/Precision.h"

#include <ATen/autocast_mode.h>

#include <stdexcept>

namespace gantry::train {

const std::vector<std::string>& precisionNames() {
  static const std::vector<std::string> names = {"float32", "bf16"};
  return names;
}

Precision parsePrecision(const std::string& name) {
  if (name == "float32") return Precision::Float32;
  if (name == "bf16") return Precision::BFloat16;
  throw std::invalid_argument("unknown precision '" + name + "'");
}

AutocastScope::AutocastScope(Precision precision, const torch::Device& device) {
  if (precision == Precision::Float32) return;
  active_ = true;
  cuda_ = device.is_cuda();
  if (cuda_) {
    previouslyEnabled_ = at::autocast::is_enabled();
    previousType_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(torch::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    previouslyEnabled_ = at::autocast::is_cpu_enabled();
    previousType_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(previouslyEnabled_);
    at::autocast::set_autocast_gpu_dtype(previousType_);
  } else {
    at::autocast::set_cpu_enabled(previouslyEnabled_);
    at::autocast::set_autocast_cpu_dtype(previousType_);
  }
}

}  // namespace gantry::train
