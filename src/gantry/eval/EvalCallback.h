#pragma once

#include "gantry/eval/Evaluator.h"
#include "gantry/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

namespace gantry::eval {

/// Evaluates the generator during training: every `every` steps (and at the
/// end of a run that was not interrupted) it generates samples from fixed
/// latent codes, runs the metrics and hands
///   {"step": s, "eval": {"<metric>": {...}, ...}, "eval_samples": n, "eval_s": seconds}
/// to `sink` (gantry appends it to metrics.jsonl as a line of its own). A
/// population's members (Model::members) are evaluated one by one, each
/// from the same codes, and get a line each with "member": n, followed by
/// the population's line: "eval" the members' means, "eval_se" their
/// standard errors, "members": N (populationSummary); with a sweep's member
/// settings, each member line has its "setting" and the population's line
/// the means per setting, "settings" (summaryBySetting). It
/// lives in eval, not train, because it needs the metrics, and eval comes
/// after train in the layering; train only knows the Callback interface.
class EvalCallback : public train::Callback {
 public:
  using Sink = std::function<void(const nlohmann::json& line)>;
  /// latents: the codes [n, latent dim] to evaluate (and, for a conditional
  /// generator, their labels [n]), the same at every evaluation so that the
  /// figures change only with the generator.
  EvalCallback(std::shared_ptr<Evaluator> evaluator, int64_t every, torch::Tensor latents, Sink sink,
               torch::Tensor labels = {});
  /// A sweep's members: each member's setting ({"seed", "lr_d", ...}), one
  /// per member, or none.
  void setMemberSettings(std::vector<nlohmann::json> settings) { memberSettings_ = std::move(settings); }
  void onStep(train::Trainer& trainer, const Figures& figures) override;
  void onEnd(train::Trainer& trainer) override;

 private:
  void evaluate(train::Trainer& trainer);
  /// The metrics of one generator on the fixed codes. Throws
  /// train::Diverged when its samples are not finite: an evaluation can come
  /// before the divergence check at the end of its log interval, and NaN
  /// samples gave metrics of nothing, or stopped FD's eigensolver with an
  /// internal error instead of the run's divergence policy.
  nlohmann::json measure(models::Generator& generator, const torch::Device& device, int64_t step);

  std::shared_ptr<Evaluator> evaluator_;
  int64_t every_;
  torch::Tensor latents_;
  Sink sink_;
  torch::Tensor labels_;
  std::vector<nlohmann::json> memberSettings_;
  int64_t lastEvaluated_ = -1;
};

/// The mean and the standard error (sample standard deviation / √n) over a
/// population's members of each number in their results (objects of the
/// same keys, nested as the metrics nest them); what is not a number is
/// left out. One member: its numbers, standard errors 0.
struct PopulationSummary {
  nlohmann::json mean, standardError;
};
PopulationSummary populationSummary(const std::vector<nlohmann::json>& results);

/// A sweep's members grouped by setting: `settings` holds each member's
/// (one per result); members whose settings agree but for "seed" form a
/// group. For each group, in the order of its first member:
///   {"setting": its setting without "seed", "members": k, meanKey: means, seKey: standard errors}
nlohmann::json summaryBySetting(const std::vector<nlohmann::json>& results, const std::vector<nlohmann::json>& settings,
                                const std::string& meanKey, const std::string& seKey);

}  // namespace gantry::eval
