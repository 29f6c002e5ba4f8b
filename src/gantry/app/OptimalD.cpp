// gantry dynamics optimal-d: D trained to convergence against a frozen G,
// beside D* = p_data / (p_data + p_g) (Goodfellow et al. 2014, Figure 1).
#include "gantry/app/Commands.h"
#include "gantry/app/Dynamics.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/data/GaussianMixture.h"
#include "gantry/eval/dynamics/JointField.h"
#include "gantry/eval/dynamics/OptimalDiscriminator.h"
#include "gantry/io/Chart.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>

namespace gantry::app {

namespace {

namespace F = torch::nn::functional;

torch::Tensor logitsOn(models::Discriminator& discriminator, const torch::Tensor& points) {
  torch::NoGradGuard noGrad;
  auto x = points.to(torch::kFloat32).reshape({-1, 1});
  // In chunks: D's hidden activations for 10^7 points would not fit.
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += 65536)
    parts.push_back(discriminator.forward(x.narrow(0, start, std::min<int64_t>(65536, x.size(0) - start)))
                        .logits.to(torch::kFloat64)
                        .reshape(-1));
  return torch::cat(parts);
}

/// V(D, G) = E log D(x) + E log(1 − D(G(z))) from logits on samples of each.
double gameValue(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) {
  return (-F::softplus(-realLogits).mean() - F::softplus(fakeLogits).mean()).item<double>();
}

/// The 0.05% and 99.95% quantiles of values, from one sort (torch::quantile
/// refuses more than 2^24 values).
std::pair<double, double> centralRange(const torch::Tensor& values) {
  auto sorted = std::get<0>(values.reshape(-1).sort());
  const auto at = [&](double q) {
    return sorted[static_cast<int64_t>(q * static_cast<double>(sorted.numel() - 1))].item<double>();
  };
  return {at(0.0005), at(0.9995)};
}

torch::Tensor generated(train::Arena& arena, int64_t count) {
  torch::NoGradGuard noGrad;
  return arena.generator().forward(arena.prior().sample(count, torch::TensorOptions(arena.options().device)));
}

/// D's loss in the game on a real and a generated batch, its gradient in
/// D's parameters (dropped first, not zeroed in place: the players'
/// gradients are views of one flat buffer, which Optimizer::zero_grad would
/// write through).
torch::Tensor backwardLoss(train::Arena& arena, const torch::Tensor& real, const torch::Tensor& fake) {
  auto& discriminator = arena.discriminator();
  for (auto& p : discriminator.parameters()) p.mutable_grad() = torch::Tensor();
  auto loss =
      arena.objective().discriminatorLoss(discriminator.forward(real).logits, discriminator.forward(fake).logits);
  loss.backward();
  return loss;
}

/// The densities on the grid, for spreading L-BFGS's sample over x.
struct GridDensity {
  double lo = 0, dx = 1;
  torch::Tensor sum;  // p_data + p_g at each grid point
};

/// How a fixed sample is thinned: each point kept with probability
/// π(x) = min(1, plain + level / (p_data(x) + p_g(x))).
/// Keeps each of `points` with probability π(x) = min(1, level / (p_data(x)
/// + p_g(x))), the same π for both players' samples. The game's loss over
/// the kept points is then, up to a constant factor, E_data[π log D] +
/// E_G[π log(1 − D)], whose pointwise maximiser is still
/// p_data π / (p_data π + p_g π) = D*: thinning moves where the loss looks,
/// not where its optimum is, so an error in the estimate of p_g can only
/// waste samples, not bias D. The kept points spread evenly over the data's
/// and G's support, so the thin edges of a density (where D* is steepest
/// and a plain sample has few points) weigh as much as its peak.
torch::Tensor thinned(const torch::Tensor& points, const GridDensity& density, double level) {
  auto index = ((points.to(torch::kFloat64) - density.lo) / density.dx)
                   .round()
                   .clamp(0, density.sum.size(0) - 1)
                   .to(torch::kLong);
  auto keep = (level / density.sum.index_select(0, index)).clamp_max(1.0);
  return points.index({torch::rand_like(keep) < keep});
}

/// The level at which thinning `drawn` samples of each player keeps about
/// `wanted` of each on average (bisection: the kept count grows with it).
double thinningLevel(const GridDensity& density, int64_t drawn, int64_t wanted) {
  const auto kept = [&](double level) {
    return static_cast<double>(drawn) * density.dx * density.sum.clamp_max(level).sum().item<double>() / 2;
  };
  double low = 0, high = density.sum.max().item<double>();
  if (kept(high) <= static_cast<double>(wanted)) return high;
  for (int i = 0; i < 60; ++i) (kept((low + high) / 2) < static_cast<double>(wanted) ? low : high) = (low + high) / 2;
  return high;
}

/// D alone against the frozen G, with the original game's loss for D (no
/// penalty: D* is the optimum of the plain game), in two phases. Adam on
/// fresh batches (from the run's lr_d, constant for the first half and
/// decayed linearly to 0 over the second) brings D near D* without
/// overfitting any sample. Where D* is steep (at the edge of G's support,
/// where D*'s logit diverges) a plain sample barely weighs D's error and
/// Adam creeps; L-BFGS then follows the curvature on one fixed sample,
/// thinned towards uniform over x (see thinned()). On a 3,000-step
/// gaussian1d run the largest gap was 0.25 after Adam, 0.088 after L-BFGS
/// on a plain sample and 0.032 on a thinned one (docs/dynamics.md).
void trainToConvergence(train::Arena& arena, const data::GaussianMixture& distribution, const Config& config,
                        const OptimalDRequest& request, const GridDensity& density) {
  auto& discriminator = arena.discriminator();
  const auto device = arena.options().device;
  const double lr = config.getFloat("lr_d");
  torch::optim::Adam adam(discriminator.parameters(), torch::optim::AdamOptions(lr).betas({0.9, 0.999}));
  for (int64_t i = 0; i < request.dSteps; ++i) {
    const double progress = static_cast<double>(i) / static_cast<double>(request.dSteps);
    for (auto& group : adam.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(progress < 0.5 ? lr : lr * 2 * (1 - progress));
    backwardLoss(arena, distribution.sample(1024).to(device), generated(arena, 1024));
    adam.step();
  }
  if (request.lbfgsSteps == 0) return;
  const int64_t drawn = std::max(request.samples, request.lbfgsSamples);
  const double level = thinningLevel(density, drawn, request.lbfgsSamples);
  auto real = thinned(distribution.sample(drawn).reshape(-1), density, level).reshape({-1, 1}).to(device);
  auto fake =
      thinned(drawSamples(arena.generator(), config, drawn, static_cast<uint64_t>(request.seed) + 2).reshape(-1),
              density, level)
          .reshape({-1, 1})
          .to(device);
  const double scale = 1.0 / static_cast<double>(real.size(0) + fake.size(0));
  torch::optim::LBFGS lbfgs(discriminator.parameters(), torch::optim::LBFGSOptions(1)
                                                            .max_iter(request.lbfgsSteps)
                                                            .history_size(50)
                                                            .tolerance_grad(0)
                                                            .tolerance_change(0)
                                                            .line_search_fn("strong_wolfe"));
  // The loss summed over both players' kept points, times one constant (the
  // mean's size, for L-BFGS's first step): a mean over each player's own
  // points would weigh the players by their kept counts and move the
  // optimum away from D*.
  lbfgs.step([&] {
    for (auto& p : discriminator.parameters()) p.mutable_grad() = torch::Tensor();
    auto loss = (F::softplus(-discriminator.forward(real).logits).sum() +
                 F::softplus(discriminator.forward(fake).logits).sum()) *
                scale;
    loss.backward();
    return loss;
  });
}

nlohmann::json oneCheckpoint(const OptimalDRequest& request, const std::filesystem::path& path,
                             const std::filesystem::path& picture) {
  train::CheckpointReader reader(path);
  Config config(trainingSchema());
  config.mergeTomlString(reader.config(), path.string());
  requireOneGan(config, path.string(), "gantry dynamics optimal-d");
  const auto objective = config.getString("objective");
  if (objective != "minimax" && objective != "nonsaturating")
    throw UserError(
        fmt::format("checkpoint {} was trained with objective = {}: D* = p_data / (p_data + p_g) is the "
                    "optimal discriminator of the original game only (minimax, nonsaturating)",
                    path.string(), objective));
  const auto distribution = toyDistribution(config);
  if (!distribution || distribution->dim() != 1 || distribution->componentStd() <= 0)
    throw UserError(
        fmt::format("checkpoint {} was trained on dataset = {}: optimal-d needs 1-d data with a density "
                    "(gaussian1d)",
                    path.string(), config.getString("dataset")));
  auto trainer = buildTrainer(config);
  // D's initial weights (the run's init from its seed), before the
  // checkpoint's replace them.
  std::vector<torch::Tensor> freshD;
  for (auto& p : trainer->arena().discriminator().parameters()) freshD.push_back(p.detach().clone());
  reader.restore(*trainer);
  auto& arena = trainer->arena();
  arena.settle();
  const int64_t step = trainer->steps();
  auto& generator = arena.generator();
  auto& discriminator = arena.discriminator();

  // G's samples and the data's, for the density, the grid and the value.
  auto fake = drawSamples(generator, config, request.samples, static_cast<uint64_t>(request.seed)).reshape(-1);
  auto real = distribution->sample(request.samples).reshape(-1);
  const auto [fakeFirst, fakeLast] = centralRange(fake);
  const auto [realFirst, realLast] = centralRange(real);
  const double first = std::min(fakeFirst, realFirst), last = std::max(fakeLast, realLast);
  const double lo = first - 0.05 * (last - first), hi = last + 0.05 * (last - first);
  const int64_t points = 1000;
  auto grid = torch::linspace(lo, hi, points, torch::kFloat64);
  const double dx = (hi - lo) / static_cast<double>(points - 1);
  auto pData = distribution->density(grid.to(torch::kFloat32).unsqueeze(1)).to(torch::kFloat64).reshape(-1);
  // p_g from G's samples binned at the grid's step, unsmoothed: a ReLU G's
  // density has edges, which a kernel of Silverman's bandwidth (0.028 on
  // gaussian1d) blurs enough to move D* there by 0.13; 10^7 samples leave
  // at most about 4% sampling error per point where the gap is measured.
  auto pG = eval::binnedDensity(fake, grid, 0);
  auto dStar = eval::optimalDiscriminator(pData, pG);
  auto dBefore = torch::sigmoid(logitsOn(discriminator, grid));
  if (request.freshD) {
    // A D near equilibrium is flat at ½ over G's support, with few kinks
    // left where D* has its bumps; from its initial weights it has them
    // spread over the data (but measured, not closer to D* at the end:
    // docs/dynamics.md).
    torch::NoGradGuard noGrad;
    auto parameters = discriminator.parameters();
    for (size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(freshD[i]);
  }

  trainToConvergence(arena, *distribution, config, request, {lo, dx, pData + pG});
  auto dAfter = torch::sigmoid(logitsOn(discriminator, grid));

  auto mask = (pData + pG) > 0.01 * (pData + pG).max();
  auto gaps = (dAfter - dStar).abs() * mask;
  const auto worst = gaps.argmax().item<int64_t>();
  auto gap = gaps[worst].item<double>();
  auto gapBefore = ((dBefore - dStar).abs() * mask).max().item<double>();
  const double jsd = eval::jensenShannon(pData, pG, dx);
  // The value on 10^6 fresh samples of each (Monte Carlo error about 1e-3):
  // D on 10^7 would cost a minute.
  const int64_t valueSamples = std::min<int64_t>(request.samples, 1000000);
  auto freshFake = drawSamples(generator, config, valueSamples, static_cast<uint64_t>(request.seed) + 1);
  auto freshReal = distribution->sample(valueSamples);
  const double value = gameValue(logitsOn(discriminator, freshReal), logitsOn(discriminator, freshFake));

  const auto x = eval::doubles(grid), pDataValues = eval::doubles(pData), pGValues = eval::doubles(pG);
  const auto dBeforeValues = eval::doubles(dBefore), dAfterValues = eval::doubles(dAfter);
  const auto dStarValues = eval::doubles(dStar);
  nlohmann::json result = {{"checkpoint", path.string()},
                           {"step", step},
                           {"d_start", request.freshD ? "fresh" : "checkpoint"},
                           {"d_steps", request.dSteps},
                           {"lbfgs_steps", request.lbfgsSteps},
                           {"lbfgs_samples", request.lbfgsSamples},
                           {"samples", request.samples},
                           {"grid_step", dx},
                           {"max_gap", gap},
                           {"max_gap_at", grid[worst].item<double>()},
                           {"d_star_there", dStar[worst].item<double>()},
                           {"max_gap_before", gapBefore},
                           {"value_trained_d", value},
                           {"jsd", jsd},
                           {"two_jsd_minus_log4", 2 * jsd - std::log(4.0)},
                           {"picture", picture.string()},
                           {"curves",
                            {{"x", x},
                             {"p_data", pDataValues},
                             {"p_g", pGValues},
                             {"d_checkpoint", dBeforeValues},
                             {"d_trained", dAfterValues},
                             {"d_star", dStarValues}}}};

  io::Chart chart;
  chart.title = fmt::format("step {}: p_data, p_g and D", step);
  chart.xLabel = "x";
  chart.yLabel = "density, D(x)";
  chart.xMin = lo;
  chart.xMax = hi;
  chart.yMin = 0;
  // Headroom above the curves for the legend (top left).
  chart.yMax = std::max(1.0, std::max(pData.max().item<double>(), pG.max().item<double>())) * 1.6;
  chart.series.push_back({x, pDataValues, "p_data", io::palette(0)});
  chart.series.push_back({x, pGValues, "p_g (histogram of G's samples)", io::palette(2)});
  chart.series.push_back({x, dBeforeValues, "D at the checkpoint", io::palette(3), true});
  chart.series.push_back({x, dAfterValues,
                          fmt::format("D trained against G ({} + {} steps)", request.dSteps, request.lbfgsSteps),
                          io::palette(1)});
  chart.series.push_back({x, dStarValues, "D* = p_data/(p_data+p_g)", {40, 40, 40}, true});
  io::writeChartPng(picture, chart);
  return result;
}

}  // namespace

int optimalDiscriminator(const OptimalDRequest& request) {
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.dSteps < 1) throw UserError("--d-steps must be at least 1");
  if (request.lbfgsSteps < 0) throw UserError("--lbfgs-steps must be at least 0");
  if (request.lbfgsSamples < 1) throw UserError("--lbfgs-samples must be at least 1");
  if (request.samples < 100) throw UserError("--samples must be at least 100");
  if (!request.run.empty() && !request.checkpoints.empty())
    throw UserError("give a run folder with --run or checkpoint files with --checkpoint, not both");
  std::vector<std::filesystem::path> checkpoints = request.checkpoints;
  if (checkpoints.empty()) checkpoints.push_back(checkpointOf(request.run, {}));
  createParentFolder(request.out);
  nlohmann::json report = nlohmann::json::array();
  for (const auto& path : checkpoints) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw UserError(fmt::format("checkpoint {} does not exist", path.string()));
    auto picture = request.out;
    if (checkpoints.size() == 1)
      picture.replace_extension(".png");
    else
      picture.replace_extension(fmt::format(".{}.png", report.size()));
    auto result = oneCheckpoint(request, path, picture);
    if (!request.quiet)
      std::cout << fmt::format(
          "step {}: max |D - D*| = {:.4f} (before training D: {:.4f}); V(D, G) = {:.4f}, 2 JSD - log 4 = {:.4f}; "
          "{}\n",
          result["step"].get<int64_t>(), result["max_gap"].get<double>(), result["max_gap_before"].get<double>(),
          result["value_trained_d"].get<double>(), result["two_jsd_minus_log4"].get<double>(), picture.string());
    report.push_back(result);
  }
  writeFileAtomic(request.out, (checkpoints.size() == 1 ? report[0] : report).dump(2) + "\n");
  return 0;
}

}  // namespace gantry::app
