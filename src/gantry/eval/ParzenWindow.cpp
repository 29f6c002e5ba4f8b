#include "gantry/eval/ParzenWindow.h"

#include "gantry/core/Error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

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

torch::Tensor parzenLogDensity(const torch::Tensor& points, const torch::Tensor& centres,
                               const std::vector<double>& sigmas, int64_t chunk) {
  auto x = flattened(points), mu = flattened(centres);
  if (x.size(1) != mu.size(1) || mu.size(0) < 1 || sigmas.empty())
    throw std::invalid_argument("parzenLogDensity: points and centres of one dimension, and a sigma, expected");
  const double d = static_cast<double>(mu.size(1));
  const double logCentres = std::log(static_cast<double>(mu.size(0)));
  auto centreNorms = mu.pow(2).sum(1).unsqueeze(0);  // [1, M]
  std::vector<torch::Tensor> blocks;
  for (int64_t begin = 0; begin < x.size(0); begin += chunk) {
    auto xs = x.slice(0, begin, begin + chunk);
    auto squared = (xs.pow(2).sum(1, true) + centreNorms - 2.0 * xs.matmul(mu.t())).clamp_min(0);  // [c, M]
    std::vector<torch::Tensor> perSigma;
    for (double sigma : sigmas) {
      auto logMeanExp = torch::logsumexp(squared * (-0.5 / (sigma * sigma)), 1) - logCentres;
      perSigma.push_back(logMeanExp - d * std::log(sigma * std::sqrt(2.0 * M_PI)));
    }
    blocks.push_back(torch::stack(perSigma, 1));
  }
  return torch::cat(blocks);
}

ParzenResult parzenLogLikelihood(const torch::Tensor& centres, const torch::Tensor& validation,
                                 const torch::Tensor& test, const std::vector<double>& sigmas) {
  ParzenResult result;
  result.sigmas = sigmas;
  auto validationMeans = parzenLogDensity(validation, centres, sigmas).mean(0);
  result.validationLogLikelihood.assign(validationMeans.data_ptr<double>(),
                                        validationMeans.data_ptr<double>() + validationMeans.numel());
  // numpy.argmax: the first of equal maxima.
  size_t best = 0;
  for (size_t s = 1; s < sigmas.size(); ++s)
    if (result.validationLogLikelihood[s] > result.validationLogLikelihood[best]) best = s;
  result.sigma = sigmas[best];
  auto logLikelihoods = parzenLogDensity(test, centres, {result.sigma}).select(1, 0);
  result.logLikelihood = logLikelihoods.mean().item<double>();
  result.standardError =
      logLikelihoods.std(/*unbiased=*/false).item<double>() / std::sqrt(static_cast<double>(logLikelihoods.size(0)));
  return result;
}

ParzenMetric::ParzenMetric(torch::Tensor validation, torch::Tensor test, std::vector<double> sigmas)
    : validation_(flattened(validation)), test_(flattened(test)), sigmas_(std::move(sigmas)) {}

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
  auto r = parzenLogLikelihood(centres, validation_, test_, sigmas_);
  return {{"log_likelihood", r.logLikelihood},
          {"standard_error", r.standardError},
          {"sigma", r.sigma},
          {"sigmas", r.sigmas},
          {"validation_log_likelihood", r.validationLogLikelihood},
          {"samples", centres.size(0)},
          {"validation_images", validation_.size(0)},
          {"test_images", test_.size(0)}};
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
    return fmt::format("parzen {:.2f} ± {:.2f} (σ {:.3f})", r.at("log_likelihood").get<double>(),
                       r.at("standard_error").get<double>(), r.at("sigma").get<double>());
  };
  return entry;
}

}  // namespace gantry::eval
