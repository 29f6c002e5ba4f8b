#include "gantry/train/FusedSgd.h"

#include <c10/util/string_utils.h>
#include <immintrin.h>
#include <torch/torch.h>

namespace gantry::train {

namespace {

/// buf = μ·buf + g and p = p - lr·buf per element, as ATen's kernels round:
/// mul_ (one rounding), add_ with alpha 1 (one rounding), add_ with alpha
/// -lr as a fused multiply-add (vector loop and, as measured by
/// FusedSgdTest, its scalar remainder alike).
__attribute__((target("avx2,fma"))) void momentumStep(float* p, float* buf, const float* g, int64_t n, float momentum,
                                                      float negativeLr) {
  const __m256 mu = _mm256_set1_ps(momentum), step = _mm256_set1_ps(negativeLr);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 b = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(buf + i), mu), _mm256_loadu_ps(g + i));
    _mm256_storeu_ps(buf + i, b);
    _mm256_storeu_ps(p + i, _mm256_fmadd_ps(b, step, _mm256_loadu_ps(p + i)));
  }
  for (; i < n; ++i) {
    __m128 b = _mm_add_ss(_mm_mul_ss(_mm_set_ss(buf[i]), _mm_set_ss(momentum)), _mm_set_ss(g[i]));
    buf[i] = _mm_cvtss_f32(b);
    p[i] = _mm_cvtss_f32(_mm_fmadd_ss(b, _mm_set_ss(negativeLr), _mm_set_ss(p[i])));
  }
}

/// The first step (buf = g) and momentum 0: p = p - lr·g.
__attribute__((target("avx2,fma"))) void plainStep(float* p, const float* d, int64_t n, float negativeLr) {
  const __m256 step = _mm256_set1_ps(negativeLr);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(p + i, _mm256_fmadd_ps(_mm256_loadu_ps(d + i), step, _mm256_loadu_ps(p + i)));
  for (; i < n; ++i) p[i] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(d[i]), _mm_set_ss(negativeLr), _mm_set_ss(p[i])));
}

bool fusable(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

}  // namespace

bool FusedSgd::fusableNow() {
  static const bool hasFma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!hasFma) return false;
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    if (options.weight_decay() != 0 || options.dampening() != 0 || options.nesterov()) return false;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!fusable(p) || !fusable(p.grad())) return false;
      auto found = state_.find(c10::guts::to_string(p.unsafeGetTensorImpl()));
      if (found != state_.end() &&
          !fusable(static_cast<torch::optim::SGDParamState&>(*found->second).momentum_buffer()))
        return false;
    }
  }
  return true;
}

void FusedSgd::stepParameter(torch::Tensor& p, double momentum, const std::vector<Run>& runs) {
  const auto& grad = p.grad();
  float* values = p.data_ptr<float>();
  const float* gradient = grad.data_ptr<float>();
  float* buffer = nullptr;  // null: p - lr·g (no momentum, or the first step)
  if (momentum != 0) {
    const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
    auto found = state_.find(key);
    if (found == state_.end()) {
      // LibTorch's first step: the buffer is a copy of the gradient, and p
      // steps along it, which is stepping along g.
      auto state = std::make_unique<torch::optim::SGDParamState>();
      state->momentum_buffer(torch::clone(grad).detach());
      state_[key] = std::move(state);
    } else {
      buffer = static_cast<torch::optim::SGDParamState&>(*found->second).momentum_buffer().data_ptr<float>();
    }
  }
  // Each element's arithmetic is the same in the vector loop and in the
  // scalar remainder, so where the runs split the loops does not matter.
  int64_t offset = 0;
  for (const auto& run : runs) {
    if (buffer)
      momentumStep(values + offset, buffer + offset, gradient + offset, run.length, static_cast<float>(momentum),
                   run.negativeLr);
    else
      plainStep(values + offset, gradient + offset, run.length, run.negativeLr);
    offset += run.length;
  }
}

torch::Tensor FusedSgd::step(LossClosure closure) {
  if (closure || !fusableNow()) return torch::optim::SGD::step(std::move(closure));
  torch::NoGradGuard noGrad;
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    // ATen casts the scalars to float: alpha = -1 * lr, and the factor μ.
    const float negativeLr = static_cast<float>(-1 * options.lr());
    for (auto& p : group.params())
      if (p.grad().defined()) stepParameter(p, options.momentum(), {{p.numel(), negativeLr}});
  }
  return {};
}

bool FusedSgd::memberStep(const std::vector<std::vector<int64_t>>& blocks, const std::vector<double>& rates) {
  if (rates.empty() || !fusableNow()) return false;
  torch::NoGradGuard noGrad;
  size_t i = 0;
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    for (auto& p : group.params()) {
      const auto& lengths = blocks.at(i++);
      if (!p.grad().defined()) continue;
      std::vector<Run> runs;
      int64_t total = 0;
      for (size_t b = 0; b < lengths.size(); ++b) {
        runs.push_back({lengths[b], static_cast<float>(-1 * rates[b % rates.size()])});
        total += lengths[b];
      }
      TORCH_CHECK(total == p.numel(), "FusedSgd::memberStep: the blocks of a parameter must cover its elements");
      stepParameter(p, options.momentum(), runs);
    }
  }
  return true;
}

}  // namespace gantry::train
