#include "gantry/objectives/FGanObjective.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gantry::objectives {

namespace {

const double kLog2 = std::log(2.0);

/// softplus(x) = log(1 + e^x), exact for any x (log_sigmoid is computed as
/// min(x, 0) − log1p(exp(−|x|)); F::softplus switches to x above a threshold).
torch::Tensor exactSoftplus(const torch::Tensor& x) { return -torch::log_sigmoid(-x); }

}  // namespace

std::string FGanObjective::nameOf(Divergence divergence) {
  switch (divergence) {
    case Divergence::KullbackLeibler:
      return "fgan-kl";
    case Divergence::ReverseKL:
      return "fgan-reverse-kl";
    case Divergence::Pearson:
      return "fgan-pearson";
    case Divergence::Neyman:
      return "fgan-neyman";
    case Divergence::SquaredHellinger:
      return "fgan-hellinger";
    case Divergence::JensenShannon:
      return "fgan-js";
    case Divergence::Gan:
      return "fgan-gan";
    case Divergence::TotalVariation:
      return "fgan-tv";
  }
  throw std::logic_error("unknown f-divergence");
}

const std::vector<FGanObjective::Divergence>& FGanObjective::allDivergences() {
  static const std::vector<Divergence> all = {
      Divergence::KullbackLeibler,  Divergence::ReverseKL,     Divergence::Pearson, Divergence::Neyman,
      Divergence::SquaredHellinger, Divergence::JensenShannon, Divergence::Gan,     Divergence::TotalVariation};
  return all;
}

std::string FGanObjective::name() const { return nameOf(divergence_); }

std::vector<ObjectiveEntry> fganObjectives() {
  const std::string citation = "Nowozin, Cseke & Tomioka 2016, f-GAN";
  using Divergence = FGanObjective::Divergence;
  auto summaryOf = [](Divergence d) -> std::string {
    switch (d) {
      case Divergence::KullbackLeibler:
        return "f-GAN: Kullback-Leibler KL(P||Q)";
      case Divergence::ReverseKL:
        return "f-GAN: reverse KL(Q||P)";
      case Divergence::Pearson:
        return "f-GAN: Pearson chi^2";
      case Divergence::Neyman:
        return "f-GAN: Neyman chi^2";
      case Divergence::SquaredHellinger:
        return "f-GAN: squared Hellinger";
      case Divergence::JensenShannon:
        return "f-GAN: 2 JSD";
      case Divergence::Gan:
        return "f-GAN: the GAN divergence 2 JSD - log 4";
      case Divergence::TotalVariation:
        return "f-GAN: total variation";
    }
    return "";
  };
  std::vector<ObjectiveEntry> entries;
  for (auto divergence : FGanObjective::allDivergences())
    entries.push_back({{FGanObjective::nameOf(divergence), summaryOf(divergence), citation},
                       [divergence](const ObjectiveOptions&) { return std::make_unique<FGanObjective>(divergence); }});
  return entries;
}

torch::Tensor FGanObjective::activation(const torch::Tensor& v) const {
  switch (divergence_) {
    case Divergence::KullbackLeibler:
    case Divergence::Pearson:
      return v;
    case Divergence::ReverseKL:
      return -torch::exp(-v);
    case Divergence::Neyman:
    case Divergence::SquaredHellinger:
      return -torch::expm1(v);  // 1 − e^v
    case Divergence::JensenShannon:
      return kLog2 + torch::log_sigmoid(v);  // log 2 − log(1 + e^−v)
    case Divergence::Gan:
      return torch::log_sigmoid(v);  // −log(1 + e^−v)
    case Divergence::TotalVariation:
      return 0.5 * torch::tanh(v);
  }
  throw std::logic_error("unknown f-divergence");
}

torch::Tensor FGanObjective::conjugate(const torch::Tensor& t) const {
  switch (divergence_) {
    case Divergence::KullbackLeibler:
      return torch::exp(t - 1.0);
    case Divergence::ReverseKL:
      return -1.0 - torch::log(-t);
    case Divergence::Pearson:
      return 0.25 * t * t + t;
    case Divergence::Neyman:
      return 2.0 - 2.0 * torch::sqrt(1.0 - t);
    case Divergence::SquaredHellinger:
      return t / (1.0 - t);
    case Divergence::JensenShannon:
      return -torch::log(2.0 - torch::exp(t));
    case Divergence::Gan:
      return -torch::log(-torch::expm1(t));  // −log(1 − e^t)
    case Divergence::TotalVariation:
      return torch::where(t.abs() <= 0.5, t, torch::full_like(t, std::numeric_limits<double>::infinity()));
  }
  throw std::logic_error("unknown f-divergence");
}

torch::Tensor FGanObjective::conjugateOfActivation(const torch::Tensor& v) const {
  switch (divergence_) {
    case Divergence::KullbackLeibler:
      return torch::exp(v - 1.0);
    case Divergence::ReverseKL:
      return v - 1.0;  // −1 − log(e^−v)
    case Divergence::Pearson:
      return 0.25 * v * v + v;
    case Divergence::Neyman:
      return -2.0 * torch::expm1(0.5 * v);  // 2 − 2√(e^v)
    case Divergence::SquaredHellinger:
      return torch::expm1(-v);  // (1 − e^v)/e^v
    case Divergence::JensenShannon:
      return exactSoftplus(v) - kLog2;  // −log(2 − 2σ(v)) = −log 2 − log σ(−v)
    case Divergence::Gan:
      return exactSoftplus(v);  // −log(1 − σ(v)) = −log σ(−v)
    case Divergence::TotalVariation:
      return 0.5 * torch::tanh(v);
  }
  throw std::logic_error("unknown f-divergence");
}

torch::Tensor FGanObjective::f(const torch::Tensor& u) const {
  switch (divergence_) {
    case Divergence::KullbackLeibler:
      return torch::xlogy(u, u);
    case Divergence::ReverseKL:
      return -torch::log(u);
    case Divergence::Pearson:
      return (u - 1.0).pow(2);
    case Divergence::Neyman:
      return (1.0 - u).pow(2) / u;
    case Divergence::SquaredHellinger:
      return (torch::sqrt(u) - 1.0).pow(2);
    case Divergence::JensenShannon:
      return -(u + 1.0) * (torch::log1p(u) - kLog2) + torch::xlogy(u, u);
    case Divergence::Gan:
      return torch::xlogy(u, u) - (u + 1.0) * torch::log1p(u);
    case Divergence::TotalVariation:
      return 0.5 * (u - 1.0).abs();
  }
  throw std::logic_error("unknown f-divergence");
}

torch::Tensor FGanObjective::fPrime(const torch::Tensor& u) const {
  switch (divergence_) {
    case Divergence::KullbackLeibler:
      return 1.0 + torch::log(u);
    case Divergence::ReverseKL:
      return -1.0 / u;
    case Divergence::Pearson:
      return 2.0 * (u - 1.0);
    case Divergence::Neyman:
      return 1.0 - 1.0 / (u * u);
    case Divergence::SquaredHellinger:
      return 1.0 - 1.0 / torch::sqrt(u);
    case Divergence::JensenShannon:
      return kLog2 + torch::log(u) - torch::log1p(u);  // log(2u / (1 + u))
    case Divergence::Gan:
      return torch::log(u) - torch::log1p(u);  // log(u / (1 + u))
    case Divergence::TotalVariation:
      return 0.5 * torch::sign(u - 1.0);
  }
  throw std::logic_error("unknown f-divergence");
}

torch::Tensor FGanObjective::value(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return activation(realLogits).mean() - conjugateOfActivation(fakeLogits).mean();
}

torch::Tensor FGanObjective::discriminatorLoss(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) const {
  return -value(realLogits, fakeLogits);
}

torch::Tensor FGanObjective::generatorLoss(const torch::Tensor&, const torch::Tensor& fakeLogits) const {
  return -activation(fakeLogits).mean();
}

}  // namespace gantry::objectives
