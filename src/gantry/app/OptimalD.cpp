// gantry dynamics optimal-d: D trained to convergence against a frozen G,
// beside D* = p_data / (p_data + p_g) (Goodfellow et al. 2014, Figure 1).
#include "gantry/app/Commands.h"
#include "gantry/app/Dynamics.h"
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
  return discriminator.forward(points.to(torch::kFloat32).reshape({-1, 1})).logits.to(torch::kFloat64);
}

/// V(D, G) = E log D(x) + E log(1 − D(G(z))) from logits on samples of each.
double gameValue(const torch::Tensor& realLogits, const torch::Tensor& fakeLogits) {
  return (-F::softplus(-realLogits).mean() - F::softplus(fakeLogits).mean()).item<double>();
}

/// D alone against the frozen G, on fresh samples at every update, with the
/// game's own loss for D (no penalty: D* is the optimum of the plain game):
/// Adam from the run's lr_d, constant for the first half and decayed
/// linearly to 0 over the second, so that D settles at the optimum instead
/// of jittering around it.
void trainToConvergence(train::Arena& arena, const data::GaussianMixture& distribution, const Config& config,
                        const OptimalDRequest& request) {
  auto& discriminator = arena.discriminator();
  auto& generator = arena.generator();
  const double lr = config.getFloat("lr_d");
  torch::optim::Adam optimizer(discriminator.parameters(), torch::optim::AdamOptions(lr).betas({0.9, 0.999}));
  const int64_t batch = 1024;
  for (int64_t i = 0; i < request.dSteps; ++i) {
    const double progress = static_cast<double>(i) / static_cast<double>(request.dSteps);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(progress < 0.5 ? lr : lr * 2 * (1 - progress));
    torch::Tensor fake;
    {
      torch::NoGradGuard noGrad;
      fake = generator.forward(arena.prior().sample(batch, torch::TensorOptions(arena.options().device)));
    }
    auto real = distribution.sample(batch).to(arena.options().device);
    auto loss =
        arena.objective().discriminatorLoss(discriminator.forward(real).logits, discriminator.forward(fake).logits);
    // The players' gradients are views of one flat buffer: dropped, not
    // zeroed in place (which Optimizer::zero_grad does).
    for (auto& p : discriminator.parameters()) p.mutable_grad() = torch::Tensor();
    loss.backward();
    optimizer.step();
  }
}

nlohmann::json oneCheckpoint(const OptimalDRequest& request, const std::filesystem::path& path,
                             const std::filesystem::path& picture) {
  train::CheckpointReader reader(path);
  Config config(trainingSchema());
  config.mergeTomlString(reader.config(), path.string());
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
  reader.restore(*trainer);
  auto& arena = trainer->arena();
  arena.settle();
  const int64_t step = trainer->steps();
  auto& generator = arena.generator();
  auto& discriminator = arena.discriminator();

  // G's samples and the data's, for the density, the grid and the value.
  auto fake = drawSamples(generator, config, request.samples, static_cast<uint64_t>(request.seed)).reshape(-1);
  auto real = distribution->sample(request.samples).reshape(-1);
  const double bandwidth = eval::silvermanBandwidth(fake);
  const double lo = std::min(torch::quantile(fake.to(torch::kFloat64), 0.0005).item<double>(),
                             torch::quantile(real.to(torch::kFloat64), 0.0005).item<double>()) -
                    4 * bandwidth;
  const double hi = std::max(torch::quantile(fake.to(torch::kFloat64), 0.9995).item<double>(),
                             torch::quantile(real.to(torch::kFloat64), 0.9995).item<double>()) +
                    4 * bandwidth;
  const int64_t points = 1000;
  auto grid = torch::linspace(lo, hi, points, torch::kFloat64);
  const double dx = (hi - lo) / static_cast<double>(points - 1);
  auto pData = distribution->density(grid.to(torch::kFloat32).unsqueeze(1)).to(torch::kFloat64).reshape(-1);
  auto pG = eval::kernelDensity(fake, grid, bandwidth);
  auto dStar = eval::optimalDiscriminator(pData, pG);
  auto dBefore = torch::sigmoid(logitsOn(discriminator, grid));

  trainToConvergence(arena, *distribution, config, request);
  auto dAfter = torch::sigmoid(logitsOn(discriminator, grid));

  auto mask = (pData + pG) > 0.01 * (pData + pG).max();
  auto gaps = (dAfter - dStar).abs() * mask;
  const auto worst = gaps.argmax().item<int64_t>();
  auto gap = gaps[worst].item<double>();
  auto gapBefore = ((dBefore - dStar).abs() * mask).max().item<double>();
  const double jsd = eval::jensenShannon(pData, pG, dx);
  auto freshFake = drawSamples(generator, config, request.samples, static_cast<uint64_t>(request.seed) + 1);
  auto freshReal = distribution->sample(request.samples);
  const double value = gameValue(logitsOn(discriminator, freshReal), logitsOn(discriminator, freshFake));

  nlohmann::json result = {{"checkpoint", path.string()},
                           {"step", step},
                           {"d_steps", request.dSteps},
                           {"samples", request.samples},
                           {"bandwidth", bandwidth},
                           {"max_gap", gap},
                           {"max_gap_at", grid[worst].item<double>()},
                           {"d_star_there", dStar[worst].item<double>()},
                           {"max_gap_before", gapBefore},
                           {"value_trained_d", value},
                           {"jsd", jsd},
                           {"two_jsd_minus_log4", 2 * jsd - std::log(4.0)},
                           {"picture", picture.string()},
                           {"curves",
                            {{"x", eval::doubles(grid)},
                             {"p_data", eval::doubles(pData)},
                             {"p_g", eval::doubles(pG)},
                             {"d_checkpoint", eval::doubles(dBefore)},
                             {"d_trained", eval::doubles(dAfter)},
                             {"d_star", eval::doubles(dStar)}}}};

  io::Chart chart;
  chart.title = fmt::format("step {}: p_data, p_g and D", step);
  chart.xLabel = "x";
  chart.yLabel = "density, D(x)";
  chart.xMin = lo;
  chart.xMax = hi;
  chart.yMin = 0;
  chart.yMax = std::max(1.0, std::max(pData.max().item<double>(), pG.max().item<double>())) * 1.05;
  const auto x = eval::doubles(grid);
  chart.series.push_back({x, eval::doubles(pData), "p_data", io::palette(0)});
  chart.series.push_back({x, eval::doubles(pG), "p_g (kernel density)", io::palette(2)});
  chart.series.push_back({x, eval::doubles(dBefore), "D at the checkpoint", io::palette(3), true});
  chart.series.push_back(
      {x, eval::doubles(dAfter), fmt::format("D trained {} steps against G", request.dSteps), io::palette(1)});
  chart.series.push_back({x, eval::doubles(dStar), "D* = p_data/(p_data+p_g)", {40, 40, 40}, true});
  io::writeChartPng(picture, chart);
  return result;
}

}  // namespace

int optimalDiscriminator(const OptimalDRequest& request) {
  if (request.out.extension() != ".json")
    throw UserError(fmt::format("--out {} must end in .json", request.out.string()));
  if (request.dSteps < 1) throw UserError("--d-steps must be at least 1");
  if (request.samples < 100) throw UserError("--samples must be at least 100");
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
