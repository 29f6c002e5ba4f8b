#include "gantry/eval/Snapshots.h"

#include "gantry/eval/dynamics/OptimalDiscriminator.h"
#include "gantry/train/Arena.h"
#include "gantry/train/Divergence.h"
#include "gantry/train/SampleRenderer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace gantry::eval {

namespace {

constexpr int64_t kBins = 40;
constexpr int64_t kGrid = 64;       // the 2-d heat map's cells per side
constexpr int64_t kPoints1d = 200;  // the 1-d view's grid
constexpr int64_t kSamples1d = 20000;
constexpr int64_t kPoints2d = 500;  // G's samples over the 2-d heat map

/// Values rounded to `decimals`: a picture needs no more, and the report
/// page holds up to 40 snapshots (0.123 is 5 characters of JSON, a double
/// 19; docs/report.md has the page sizes).
std::vector<double> values(const torch::Tensor& t, int decimals = 4) {
  const double scale = std::pow(10.0, decimals);
  auto d = (t.detach().to(torch::kCPU, torch::kFloat64) * scale).round().div(scale).contiguous().reshape(-1);
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

/// The first kPoints2d points, to 3 decimals.
std::vector<std::vector<double>> rows(const torch::Tensor& points) {
  std::vector<std::vector<double>> out;
  const int64_t n = std::min(points.size(0), kPoints2d);
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.push_back(values(points[i], 3));
  return out;
}

/// D's output as the game reads it, on the CPU.
torch::Tensor outputs(train::Arena& arena, const torch::Tensor& x, const torch::Tensor& labels = {}) {
  return arena.objective()
      .reportedOutput(arena.discriminator().forward(x, labels).logits)
      .to(torch::kCPU, torch::kFloat64)
      .reshape(-1);
}

/// Counts of real and fake outputs in kBins equal bins over one range:
/// [0, 1] when both are probabilities, else both sets' extremes.
nlohmann::json histograms(const torch::Tensor& real, const torch::Tensor& fake) {
  auto all = torch::cat({real, fake});
  double lo = all.min().item<double>(), hi = all.max().item<double>();
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  }
  if (hi <= lo) hi = lo + 1;  // a constant D: one bar, still a histogram
  const auto counts = [&](const torch::Tensor& t) {
    auto c = torch::histc(t, kBins, lo, hi).to(torch::kLong).contiguous();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  };
  return {{"lo", lo}, {"hi", hi}, {"real", counts(real)}, {"fake", counts(fake)}};
}

nlohmann::json toy2d(train::Arena& arena, const data::GaussianMixture& toy, const torch::Tensor& fake) {
  const double extent = train::toyPlotExtent(toy);  // the square of the sample pictures
  const double step = 2 * extent / static_cast<double>(kGrid);
  auto centres = torch::linspace(-extent + step / 2, extent - step / 2, kGrid, torch::kFloat64);
  auto mesh = torch::meshgrid({centres, centres}, "ij");  // [0]: y of row i, [1]: x of column j
  auto points = torch::stack({mesh[1].reshape(-1), mesh[0].reshape(-1)}, 1).to(fake.device(), torch::kFloat32);
  nlohmann::json out = {{"extent", extent}, {"grid", kGrid}, {"samples", rows(fake)}, {"modes", rows(toy.means())}};
  if (!arena.discriminator().judgesSamplesAlone()) return out;  // D(x) of one point is not defined
  auto d = outputs(arena, points);
  double lo = d.min().item<double>(), hi = d.max().item<double>();
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  }
  auto scaled = hi > lo ? (d - lo) / (hi - lo) : torch::full_like(d, 0.5);
  out["d"] = values(scaled, 3);
  out["d_range"] = {lo, hi};
  return out;
}

nlohmann::json toy1d(train::Arena& arena, const data::GaussianMixture& toy, uint64_t seed) {
  auto& generator = arena.generator();
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto device = arena.options().device;
  auto z = arena.prior().sample(kSamples1d, {}, rng).to(device);
  auto fake = generator.forward(z).to(torch::kCPU, torch::kFloat64).reshape(-1);
  const double sd = toy.componentStd();
  const double lo = std::min(toy.means().min().item<double>() - 6 * sd, fake.min().item<double>());
  const double hi = std::max(toy.means().max().item<double>() + 6 * sd, fake.max().item<double>());
  auto x = torch::linspace(lo, hi, kPoints1d, torch::kFloat64);
  auto pData = toy.density(x.to(torch::kFloat32).unsqueeze(1)).to(torch::kFloat64).reshape(-1);
  // Smoothed over two grid steps: 20,000 samples in 200 bins are noisy.
  auto pG = binnedDensity(fake, x, 2 * (hi - lo) / static_cast<double>(kPoints1d - 1));
  // D(x) of one point is not defined for a D that reads whole batches: a gap.
  auto d = arena.discriminator().judgesSamplesAlone()
               ? nlohmann::json(values(outputs(arena, x.to(device, torch::kFloat32).unsqueeze(1))))
               : nlohmann::json(std::vector<std::nullptr_t>(static_cast<size_t>(kPoints1d), nullptr));
  return {{"x", values(x)},
          {"p_data", values(pData)},
          {"p_g", values(pG)},
          {"d", d},
          {"d_star", values(optimalDiscriminator(pData, pG))}};
}

}  // namespace

SnapshotCallback::SnapshotCallback(int64_t every, Inputs inputs, Sink sink)
    : every_(every), inputs_(std::move(inputs)), sink_(std::move(sink)) {}

nlohmann::json SnapshotCallback::take(train::Trainer& trainer) {
  auto& arena = trainer.arena();
  arena.settle();
  auto& generator = arena.generator();
  auto& discriminator = arena.discriminator();
  torch::NoGradGuard noGrad;
  // Eval mode: no dropout draws from training's generator, no batch-norm
  // statistics moved.
  generator.eval();
  discriminator.eval();
  const auto device = arena.options().device;
  auto labels = inputs_.labels.defined() ? inputs_.labels.to(device) : torch::Tensor();
  auto fake = generator.forward(inputs_.latents.to(device), labels);
  // Before the divergence check at the end of the log interval: NaN samples
  // stopped the histograms with an internal error.
  if (!torch::isfinite(fake).all().item<bool>()) {
    generator.train();
    discriminator.train();
    throw train::Diverged(trainer.steps(), "generated samples");
  }
  nlohmann::json line = {{"step", trainer.steps()}};
  // Outputs per sample: not for a D whose output reads the whole batch.
  if (discriminator.judgesSamplesAlone())
    line["d_hist"] =
        histograms(outputs(arena, inputs_.real.samples, inputs_.real.labels), outputs(arena, fake, labels));
  const auto* toy = inputs_.toy.get();
  // D over the data is one function only for an unconditional D.
  if (toy && toy->dim() == 2 && !labels.defined()) line["toy2d"] = toy2d(arena, *toy, fake.reshape({fake.size(0), 2}));
  if (toy && toy->dim() == 1 && toy->componentStd() > 0 && !labels.defined())
    line["toy1d"] = toy1d(arena, *toy, inputs_.seed);
  generator.train();
  discriminator.train();
  return line;
}

void SnapshotCallback::onStep(train::Trainer& trainer, const Figures&) {
  if (every_ > 0 && trainer.steps() % every_ == 0) {
    sink_(take(trainer));
    lastTaken_ = trainer.steps();
  }
}

void SnapshotCallback::onEnd(train::Trainer& trainer) {
  if (lastTaken_ != trainer.steps() && !trainer.stopped()) sink_(take(trainer));
}

}  // namespace gantry::eval
