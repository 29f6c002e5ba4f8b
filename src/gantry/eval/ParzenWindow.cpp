#include "gantry/eval/ParzenWindow.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace gantry::eval {

namespace {

torch::Tensor flattened(const torch::Tensor& images) {
  return images.reshape({images.size(0), -1}).to(torch::kCPU, torch::kFloat64).contiguous();
}

}  // namespace

std::vector<double> parzenSigmaGrid() {
  std::vector<double> sigmas;
  for (int i = 0; i < 10; ++i) sigmas.push_back(std::pow(10.0, -1.0 + i / 9.0));
  return sigmas;
}

namespace {

/// The window around the centres: the squared distances of points to them,
/// per block of points, and the log-densities of a block for any σ, apart,
/// so that several searches for σ over the same points can share one set
/// of distances.
class Window {
 public:
  Window(const torch::Tensor& centres, const std::vector<double>& sigmas, int64_t dimension) : mu_(flattened(centres)) {
    if (dimension != mu_.size(1) || mu_.size(0) < 1 || sigmas.empty())
      throw std::invalid_argument("parzenLogDensity: points and centres of one dimension, and a sigma, expected");
    norms_ = mu_.pow(2).sum(1).unsqueeze(0);  // [1, M]
  }

  /// ‖x − μ‖² as ‖x‖² + ‖μ‖² − 2x·μ, in float64, per block of `chunk` rows: [c, M] each.
  std::vector<torch::Tensor> distances(const torch::Tensor& rows, int64_t chunk = 1000) const {
    std::vector<torch::Tensor> blocks;
    for (int64_t begin = 0; begin < rows.size(0); begin += chunk) blocks.push_back(distancesOf(rows, begin, chunk));
    return blocks;
  }

  torch::Tensor distancesOf(const torch::Tensor& rows, int64_t begin, int64_t chunk) const {
    auto xs = rows.slice(0, begin, begin + chunk);
    return (xs.pow(2).sum(1, true) + norms_ - 2.0 * xs.matmul(mu_.t())).clamp_min(0);
  }

  /// log p(x) of one block's points per σ, [c, S], with a stable log-sum-exp.
  torch::Tensor logDensity(const torch::Tensor& squared, const std::vector<double>& sigmas) const {
    const double d = static_cast<double>(mu_.size(1)), logCentres = std::log(static_cast<double>(mu_.size(0)));
    std::vector<torch::Tensor> perSigma;
    for (double sigma : sigmas) {
      auto logMeanExp = torch::logsumexp(squared * (-0.5 / (sigma * sigma)), 1) - logCentres;
      perSigma.push_back(logMeanExp - d * std::log(sigma * std::sqrt(2.0 * M_PI)));
    }
    return torch::stack(perSigma, 1);
  }

  torch::Tensor logDensity(const std::vector<torch::Tensor>& blocks, const std::vector<double>& sigmas) const {
    std::vector<torch::Tensor> densities;
    for (const auto& squared : blocks) densities.push_back(logDensity(squared, sigmas));
    return torch::cat(densities);
  }

 private:
  torch::Tensor mu_, norms_;
};

/// The grid, the validation images' mean log-likelihood per σ and σ the
/// first maximum (numpy.argmax), from their distances to the centres; the
/// index of σ in the grid beside.
std::pair<ParzenResult, size_t> chooseSigma(const Window& window, const std::vector<torch::Tensor>& validation,
                                            const std::vector<double>& sigmas) {
  ParzenResult result;
  result.sigmas = sigmas;
  auto means = window.logDensity(validation, sigmas).mean(0);
  result.validationLogLikelihood.assign(means.data_ptr<double>(), means.data_ptr<double>() + means.numel());
  size_t best = 0;
  for (size_t s = 1; s < sigmas.size(); ++s)
    if (result.validationLogLikelihood[s] > result.validationLogLikelihood[best]) best = s;
  result.sigma = sigmas[best];
  return {result, best};
}

/// Mean and standard error (population std / √N, as numpy's) of one column.
std::pair<double, double> meanAndError(const torch::Tensor& column) {
  auto values = column.contiguous();  // summed as a column of its own always was
  return {values.mean().item<double>(),
          values.std(/*unbiased=*/false).item<double>() / std::sqrt(static_cast<double>(values.size(0)))};
}

}  // namespace

torch::Tensor parzenLogDensity(const torch::Tensor& points, const torch::Tensor& centres,
                               const std::vector<double>& sigmas, int64_t chunk) {
  auto x = flattened(points);
  const Window window(centres, sigmas, x.size(1));
  // Block by block: the distances of all test points to all centres at once
  // would be 800 MB.
  std::vector<torch::Tensor> blocks;
  for (int64_t begin = 0; begin < x.size(0); begin += chunk)
    blocks.push_back(window.logDensity(window.distancesOf(x, begin, chunk), sigmas));
  return torch::cat(blocks);
}

ParzenResult parzenLogLikelihood(const torch::Tensor& centres, const torch::Tensor& validation,
                                 const torch::Tensor& test, const std::vector<double>& sigmas) {
  auto rows = flattened(validation);
  const Window window(centres, sigmas, rows.size(1));
  auto result = chooseSigma(window, window.distances(rows), sigmas).first;
  std::tie(result.logLikelihood, result.standardError) =
      meanAndError(parzenLogDensity(test, centres, {result.sigma}).select(1, 0));
  return result;
}

std::vector<double> parzenRefinedSigmas(const std::vector<double>& grid, size_t best, int steps) {
  if (grid.size() < 2) return grid;
  const double low = grid[best == 0 ? 0 : best - 1], high = grid[std::min(best + 1, grid.size() - 1)];
  const double step = std::log(grid[1] / grid[0]) / steps;
  std::vector<double> sigmas;
  // The finer grid's values from one neighbour to the other, by index from
  // the grid's first value so that they are the same numbers wherever the
  // bracket falls.
  for (int i = 0;; ++i) {
    double sigma = grid[0] * std::exp(step * i);
    if (sigma > high * (1 + 1e-12)) break;
    if (sigma >= low * (1 - 1e-12)) sigmas.push_back(sigma);
  }
  return sigmas;
}

ParzenMetric::ParzenMetric(torch::Tensor validation, torch::Tensor test, std::vector<double> sigmas, int refineSteps)
    : validation_(flattened(validation)),
      test_(flattened(test)),
      sigmas_(std::move(sigmas)),
      refineSteps_(refineSteps) {}

void ParzenMetric::update(const torch::Tensor& samples) {
  auto rows = flattened(samples);
  if (rows.size(1) != test_.size(1))
    throw UserError("metric 'parzen': samples of " + std::to_string(rows.size(1)) + " values, the test images have " +
                    std::to_string(test_.size(1)));
  centres_.push_back(rows);
}

nlohmann::json ParzenMetric::compute() const {
  if (centres_.empty()) throw UserError("metric 'parzen' needs at least 1 sample; give more samples (-n)");
  auto centres = torch::cat(centres_);
  // The paper's protocol first, then σ again on the finer grid between the
  // paper's neighbours of its choice (the validation curve has one peak:
  // searching the whole finer grid tripled the time), both from one set of
  // validation distances, and the test set scored under both in one pass
  // over its distances.
  const Window window(centres, sigmas_, validation_.size(1));
  const auto validation = window.distances(validation_);
  auto [r, best] = chooseSigma(window, validation, sigmas_);
  auto refined = parzenRefinedSigmas(sigmas_, best, refineSteps_);
  const double fineSigma = chooseSigma(window, validation, refined).first.sigma;
  auto testDensities = parzenLogDensity(test_, centres, {r.sigma, fineSigma});
  std::tie(r.logLikelihood, r.standardError) = meanAndError(testDensities.select(1, 0));
  auto [fineLogLikelihood, fineError] = meanAndError(testDensities.select(1, 1));
  return {{"log_likelihood", r.logLikelihood},
          {"standard_error", r.standardError},
          {"sigma", r.sigma},
          {"sigmas", r.sigmas},
          {"validation_log_likelihood", r.validationLogLikelihood},
          {"samples", centres.size(0)},
          {"validation_images", validation_.size(0)},
          {"test_images", test_.size(0)},
          {"fine_grid",
           {{"log_likelihood", fineLogLikelihood},
            {"standard_error", fineError},
            {"sigma", fineSigma},
            {"sigmas", refined.size()}}}};
}

}  // namespace gantry::eval

namespace gantry::eval {

MetricEntry parzenMetric() {
  MetricEntry entry;
  entry.name = "parzen";
  entry.summary = "Gaussian Parzen-window log-likelihood of the test set, sigma chosen on validation (2014 protocol)";
  entry.citation = "Goodfellow et al. 2014 (after Breuleux et al. 2011)";
  entry.data = MetricData::Splits;
  entry.trainingDefault = [](const data::DatasetEntry&) { return false; };
  entry.make = [](MetricContext& context) -> std::unique_ptr<Metric> {
    // The 2014 script: the first 1,000 validation images choose σ.
    return std::make_unique<ParzenMetric>(context.validationSet().samples().slice(0, 0, 1000),
                                          context.testSet().samples());
  };
  entry.summarize = [](const nlohmann::json& r) {
    std::string line = fmt::format("parzen {:.2f} ± {:.2f} (σ {:.3f})", r.at("log_likelihood").get<double>(),
                                   r.at("standard_error").get<double>(), r.at("sigma").get<double>());
    line += fmt::format(", finer σ grid {:.2f} (σ {:.3f})", r.at("fine_grid").at("log_likelihood").get<double>(),
                        r.at("fine_grid").at("sigma").get<double>());
    return line;
  };
  return entry;
}

}  // namespace gantry::eval
