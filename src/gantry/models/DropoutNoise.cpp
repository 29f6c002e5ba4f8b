#include "gantry/models/DropoutNoise.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace gantry::models {

namespace {

/// ATen's mt19937 (ATen/core/MT19937RNGEngine.h), emitting a run of outputs
/// at once: the same state transitions and outputs as calling the engine
/// once per output, with the regeneration's twist written without a branch
/// (its 50/50 branch on the low bit made the engine 2x slower).
class BulkMersenneTwister {
 public:
  explicit BulkMersenneTwister(at::mt19937_data_pod state) : s_(state) {}
  const at::mt19937_data_pod& state() const { return s_; }

  void generate(uint32_t* out, int64_t count) {
    while (count > 0) {
      if (s_.left_ == 1) {
        // The call that regenerates: left_ reaches 0, the state is
        // regenerated (left_ = N, next_ = 0), and it returns state_[0].
        regenerate();
        *out++ = temper(s_.state_[s_.next_++]);
        --count;
        continue;
      }
      const int64_t run = std::min<int64_t>(count, s_.left_ - 1);
      const uint32_t* source = s_.state_.data() + s_.next_;
      for (int64_t i = 0; i < run; ++i) out[i] = temper(source[i]);
      out += run;
      count -= run;
      s_.next_ += static_cast<uint32_t>(run);
      s_.left_ -= static_cast<int>(run);
    }
  }

 private:
  static uint32_t temper(uint32_t y) {
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= (y >> 18);
    return y;
  }
  static uint32_t twist(uint32_t u, uint32_t v) {
    return (((u & at::UMASK) | (v & at::LMASK)) >> 1) ^ ((0u - (v & 1u)) & at::MATRIX_A);
  }
  void regenerate() {
    constexpr int n = at::MERSENNE_STATE_N, m = at::MERSENNE_STATE_M;
    uint32_t* p = s_.state_.data();
    for (int j = 0; j < n - m; ++j) p[j] = p[j + m] ^ twist(p[j], p[j + 1]);
    for (int j = n - m; j < n - 1; ++j) p[j] = p[j + m - n] ^ twist(p[j], p[j + 1]);
    p[n - 1] = p[m - 1] ^ twist(p[n - 1], p[0]);
    s_.left_ = n;
    s_.next_ = 0;
  }

  at::mt19937_data_pod s_;
};

}  // namespace

torch::Tensor dropoutMultipliers(at::IntArrayRef shape, double keep, const torch::TensorOptions& options) {
  if (options.device().type() != torch::kCPU || options.dtype() != torch::kFloat32 || !(keep >= 0.0 && keep <= 1.0))
    return torch::empty(shape, options).bernoulli_(keep).div_(keep);
  // ATen's dropout with p = 1 multiplies by zero and draws nothing.
  if (keep == 0.0) return torch::zeros(shape, options);
  auto noise = torch::empty(shape, options);
  auto* out = noise.data_ptr<float>();
  const int64_t n = noise.numel();
  // div_(keep) divides by the scalar as a float: 1 / keep rounded once.
  const float kept = 1.0f / static_cast<float>(keep);
  // ATen's draw (at::bernoulli_distribution<double>): u = (r & (2^53 - 1)) /
  // 2^53 from r = first 32-bit output << 32 | second, kept when u < keep.
  // u and keep * 2^53 are exact, so u < keep <=> (r & (2^53 - 1)) <
  // ceil(keep * 2^53).
  constexpr double twoTo53 = 9007199254740992.0;
  const auto threshold = static_cast<uint64_t>(std::ceil(keep * twoTo53));
  auto* generator = at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(generator->mutex_);
  BulkMersenneTwister twister(generator->engine().data());
  constexpr int64_t chunk = 1024;
  uint32_t draws[2 * chunk];
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t count = std::min(chunk, n - start);
    twister.generate(draws, 2 * count);
    for (int64_t i = 0; i < count; ++i) {
      const uint64_t r = (static_cast<uint64_t>(draws[2 * i] & 0x1fffffu) << 32) | draws[2 * i + 1];
      out[start + i] = r < threshold ? kept : 0.0f;
    }
  }
  at::mt19937 engine;
  engine.set_data(twister.state());
  generator->set_engine(engine);
  return noise;
}

}  // namespace gantry::models
