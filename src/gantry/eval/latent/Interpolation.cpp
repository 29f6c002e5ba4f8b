#include "gantry/eval/latent/Interpolation.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace gantry::eval {

torch::Tensor lerp(const torch::Tensor& a, const torch::Tensor& b, double t) { return (1.0 - t) * a + t * b; }

torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t) {
  auto a64 = a.to(torch::kFloat64), b64 = b.to(torch::kFloat64);
  const double cosine = (a64.dot(b64) / (a64.norm() * b64.norm()).clamp_min(1e-300)).clamp(-1.0, 1.0).item<double>();
  const double omega = std::acos(cosine);
  const double sine = std::sin(omega);
  // Nearly parallel codes: the great circle is the straight line.
  if (sine < 1e-6) return lerp(a, b, t);
  return ((std::sin((1.0 - t) * omega) / sine) * a64 + (std::sin(t * omega) / sine) * b64).to(a.scalar_type());
}

torch::Tensor interpolationPath(const torch::Tensor& a, const torch::Tensor& b, int64_t steps,
                                const std::string& method) {
  if (steps < 2) throw std::invalid_argument("interpolationPath: at least 2 steps");
  if (method != "lerp" && method != "slerp") throw std::invalid_argument("interpolationPath: lerp or slerp");
  std::vector<torch::Tensor> points;
  for (int64_t i = 0; i < steps; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(steps - 1);
    points.push_back(method == "lerp" ? lerp(a, b, t) : slerp(a, b, t));
  }
  return torch::stack(points);
}

const std::vector<std::string>& interpolationMethods() {
  static const std::vector<std::string> methods = {"lerp", "slerp"};
  return methods;
}

}  // namespace gantry::eval
