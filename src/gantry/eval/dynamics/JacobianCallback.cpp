#include "gantry/eval/dynamics/JacobianCallback.h"

#include "gantry/eval/dynamics/JointField.h"
#include "gantry/eval/dynamics/Spectrum.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace gantry::eval {

JacobianCallback::JacobianCallback(int64_t every, int64_t top, int64_t batch, Sink sink)
    : every_(every), top_(top), batch_(batch), sink_(std::move(sink)) {}

nlohmann::json JacobianCallback::spectrum(train::Arena& arena, int64_t top, int64_t batch, uint64_t seed) {
  JointField field(arena, batch, seed);
  const int64_t n = field.size();
  field.evaluate();
  std::vector<std::complex<double>> values;
  nlohmann::json line;
  if (n <= 2000 || top > n - 2) {
    values = denseEigenvalues(doubles(field.matrix()), n, SpectrumOrder::Magnitude);
    if (static_cast<int64_t>(values.size()) > top) values.resize(static_cast<size_t>(top));
    line["method"] = "dense";
    line["converged"] = true;
  } else {
    auto found = arnoldiEigenvalues(n, transposeOperator(field), top, SpectrumOrder::Magnitude, SolveLimits{1e-6});
    values = found.values;
    line["method"] = "arnoldi";
    line["converged"] = found.converged;
  }
  auto list = nlohmann::json::array();
  for (const auto& v : values) list.push_back({{"re", v.real()}, {"im", v.imag()}});
  line["eigenvalues"] = list;
  line["parameters"] = n;
  line["batch"] = batch;
  return line;
}

namespace {

/// What the field's draws and passes change, put back when it goes out of
/// scope, thrown out or not: the CPU generator's state, the data position,
/// the players' execution, and their buffers (a pass in train mode moves
/// batch norm's running statistics and spectral norm's power iteration).
class RunKeeper {
 public:
  explicit RunKeeper(train::Arena& arena)
      : arena_(arena),
        generator_(at::detail::getDefaultCPUGenerator()),
        state_(generator_.get_state()),
        position_(arena.data().position()),
        gExecution_(arena.generator().execution()),
        dExecution_(arena.discriminator().execution()) {
    for (const auto& buffer : buffers()) saved_.push_back(buffer.clone());
  }
  RunKeeper(const RunKeeper&) = delete;
  RunKeeper& operator=(const RunKeeper&) = delete;
  ~RunKeeper() {
    torch::NoGradGuard noGrad;
    const auto live = buffers();
    for (size_t i = 0; i < live.size(); ++i) live[i].copy_(saved_[i]);
    arena_.generator().setExecution(gExecution_);
    arena_.discriminator().setExecution(dExecution_);
    arena_.data().seek(position_);
    generator_.set_state(state_);
  }

 private:
  std::vector<torch::Tensor> buffers() const {
    auto all = arena_.generator().buffers();
    for (const auto& b : arena_.discriminator().buffers()) all.push_back(b);
    return all;
  }

  train::Arena& arena_;
  at::Generator generator_;
  at::Tensor state_;
  int64_t position_;
  models::Execution gExecution_, dExecution_;
  std::vector<torch::Tensor> saved_;
};

}  // namespace

void JacobianCallback::onStep(train::Trainer& trainer, const Figures&) {
  const int64_t step = trainer.steps();
  if (every_ <= 0 || step % every_ != 0) return;
  const auto start = std::chrono::steady_clock::now();
  auto& arena = trainer.arena();
  arena.settle();
  nlohmann::json line;
  {
    RunKeeper keeper(arena);
    models::Execution twice;
    twice.twiceDifferentiable = true;
    arena.generator().setExecution(twice);
    arena.discriminator().setExecution(twice);
    line = spectrum(arena, top_, batch_, static_cast<uint64_t>(step));
  }
  line["step"] = step;
  line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sink_(line);
}

}  // namespace gantry::eval
