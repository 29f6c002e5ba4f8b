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

void JacobianCallback::onStep(train::Trainer& trainer, const Figures&) {
  const int64_t step = trainer.steps();
  if (every_ <= 0 || step % every_ != 0) return;
  const auto start = std::chrono::steady_clock::now();
  auto& arena = trainer.arena();
  arena.settle();
  // What the field's draws and passes would change, kept to be put back.
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto state = generator.get_state();
  const int64_t position = arena.data().position();
  const auto gExecution = arena.generator().execution();
  const auto dExecution = arena.discriminator().execution();
  models::Execution twice;
  twice.twiceDifferentiable = true;
  arena.generator().setExecution(twice);
  arena.discriminator().setExecution(twice);
  nlohmann::json line;
  try {
    line = spectrum(arena, top_, batch_, static_cast<uint64_t>(step));
  } catch (...) {
    arena.generator().setExecution(gExecution);
    arena.discriminator().setExecution(dExecution);
    arena.data().seek(position);
    generator.set_state(state);
    throw;
  }
  arena.generator().setExecution(gExecution);
  arena.discriminator().setExecution(dExecution);
  arena.data().seek(position);
  generator.set_state(state);
  line["step"] = step;
  line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sink_(line);
}

}  // namespace gantry::eval
