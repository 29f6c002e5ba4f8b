#include "gantry/eval/EvalCallback.h"

#include "gantry/train/Divergence.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace gantry::eval {

EvalCallback::EvalCallback(std::shared_ptr<Evaluator> evaluator, int64_t every, torch::Tensor latents, Sink sink,
                           torch::Tensor labels)
    : evaluator_(std::move(evaluator)),
      every_(every),
      latents_(std::move(latents)),
      sink_(std::move(sink)),
      labels_(std::move(labels)) {}

void EvalCallback::onStep(train::Trainer& trainer, const Figures&) {
  if (every_ > 0 && trainer.steps() % every_ == 0) evaluate(trainer);
}

void EvalCallback::onEnd(train::Trainer& trainer) {
  // After Ctrl-C the user wants out, not a last evaluation.
  if (every_ > 0 && !trainer.stopped() && lastEvaluated_ != trainer.steps()) evaluate(trainer);
}

nlohmann::json EvalCallback::measure(models::Generator& generator, const torch::Device& device, int64_t step) {
  evaluator_->reset();
  torch::NoGradGuard guard;
  generator.eval();
  const int64_t chunk = 1000;
  for (int64_t begin = 0; begin < latents_.size(0); begin += chunk) {
    auto z = latents_.slice(0, begin, begin + chunk).to(device);
    torch::Tensor labels;
    if (labels_.defined()) labels = labels_.slice(0, begin, begin + chunk).to(device);
    auto samples = generator.forward(z, labels).to(torch::kCPU, torch::kFloat32);
    if (!torch::isfinite(samples).all().item<bool>()) {
      generator.train();
      throw train::Diverged(step, "generated samples");
    }
    evaluator_->update(samples, labels);
  }
  generator.train();
  return evaluator_->compute();
}

void EvalCallback::evaluate(train::Trainer& trainer) {
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  auto& generator = trainer.generator();
  const int64_t members = generator.members();
  lastEvaluated_ = trainer.steps();
  if (members == 1) {
    auto result = measure(generator, trainer.device(), trainer.steps());
    sink_({{"step", trainer.steps()}, {"eval", result}, {"eval_samples", latents_.size(0)}, {"eval_s", seconds()}});
    return;
  }
  std::vector<nlohmann::json> results;
  for (int64_t n = 0; n < members; ++n) {
    results.push_back(measure(*generator.member(n), trainer.device(), trainer.steps()));
    nlohmann::json line = {{"step", trainer.steps()}, {"member", n}, {"eval", results.back()}};
    if (!memberSettings_.empty()) line["setting"] = memberSettings_.at(static_cast<size_t>(n));
    line["eval_samples"] = latents_.size(0);
    line["eval_s"] = seconds();
    sink_(line);
  }
  auto summary = populationSummary(results);
  nlohmann::json line = {
      {"step", trainer.steps()}, {"eval", summary.mean}, {"eval_se", summary.standardError}, {"members", members}};
  if (!memberSettings_.empty()) line["settings"] = summaryBySetting(results, memberSettings_, "eval", "eval_se");
  line["eval_samples"] = latents_.size(0);
  line["eval_s"] = seconds();
  sink_(line);
}

namespace {

void summarize(const std::vector<const nlohmann::json*>& values, nlohmann::json& mean, nlohmann::json& se) {
  const auto& first = *values.front();
  if (first.is_number()) {
    const double n = static_cast<double>(values.size());
    double sum = 0, squares = 0;
    for (const auto* v : values) sum += v->get<double>();
    const double m = sum / n;
    for (const auto* v : values) squares += (v->get<double>() - m) * (v->get<double>() - m);
    mean = m;
    se = values.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
    return;
  }
  if (!first.is_object()) return;
  mean = nlohmann::json::object();
  se = nlohmann::json::object();
  for (const auto& [key, value] : first.items()) {
    std::vector<const nlohmann::json*> children;
    for (const auto* v : values)
      if (v->is_object() && v->contains(key)) children.push_back(&(*v)[key]);
    if (children.size() != values.size()) continue;
    nlohmann::json m, s;
    summarize(children, m, s);
    if (!m.is_null()) {
      mean[key] = std::move(m);
      se[key] = std::move(s);
    }
  }
}

}  // namespace

PopulationSummary populationSummary(const std::vector<nlohmann::json>& results) {
  PopulationSummary summary;
  if (results.empty()) return summary;
  std::vector<const nlohmann::json*> values;
  for (const auto& r : results) values.push_back(&r);
  summarize(values, summary.mean, summary.standardError);
  return summary;
}

nlohmann::json summaryBySetting(const std::vector<nlohmann::json>& results, const std::vector<nlohmann::json>& settings,
                                const std::string& meanKey, const std::string& seKey) {
  std::vector<nlohmann::json> keys;  // each group's setting without its seed
  std::vector<std::vector<nlohmann::json>> groups;
  for (size_t n = 0; n < results.size(); ++n) {
    auto key = settings.at(n);
    key.erase("seed");
    const auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) {
      keys.push_back(key);
      groups.push_back({results[n]});
    } else {
      groups[static_cast<size_t>(at - keys.begin())].push_back(results[n]);
    }
  }
  auto summaries = nlohmann::json::array();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto summary = populationSummary(groups[g]);
    summaries.push_back({{"setting", keys[g]},
                         {"members", static_cast<int64_t>(groups[g].size())},
                         {meanKey, summary.mean},
                         {seKey, summary.standardError}});
  }
  return summaries;
}

}  // namespace gantry::eval
