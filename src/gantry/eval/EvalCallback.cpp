#include "gantry/eval/EvalCallback.h"

#include <torch/torch.h>

#include <chrono>

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

void EvalCallback::evaluate(train::Trainer& trainer) {
  const auto start = std::chrono::steady_clock::now();
  auto& generator = trainer.generator();
  evaluator_->reset();
  {
    torch::NoGradGuard guard;
    generator.eval();
    const int64_t chunk = 1000;
    for (int64_t begin = 0; begin < latents_.size(0); begin += chunk) {
      auto z = latents_.slice(0, begin, begin + chunk).to(trainer.device());
      torch::Tensor labels;
      if (labels_.defined()) labels = labels_.slice(0, begin, begin + chunk).to(trainer.device());
      evaluator_->update(generator.forward(z, labels).to(torch::kCPU, torch::kFloat32), labels);
    }
    generator.train();
  }
  nlohmann::json line = {{"step", trainer.steps()},
                         {"eval", evaluator_->compute()},
                         {"eval_samples", latents_.size(0)},
                         {"eval_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  lastEvaluated_ = trainer.steps();
  sink_(line);
}

}  // namespace gantry::eval
