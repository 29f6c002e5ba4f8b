#pragma once

#include "gantry/core/Figures.h"
#include "gantry/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace gantry::train {

/// Appends one JSON object per logged step to metrics.jsonl: step, epoch,
/// lr_d, lr_g, steps_per_s, elapsed_s, instance_noise (its current std) in
/// runs that use it, and every figure of the steps (gantry/core/Figures.h):
/// d_loss, g_loss, d_real and d_fake (D's mean output as the objective reads
/// it), value (the minibatch estimate of V), penalty in runs with one, and
/// whatever a rule or model adds (theta, psi, consensus_norm...). Figures
/// are averages over the steps since the previous line that had them; a
/// line ends each interval (FigureInterval: every log_every steps and at
/// each checkpoint).
class MetricsLogger : public Callback {
 public:
  MetricsLogger(std::filesystem::path path, FigureInterval interval);
  void onStart(Trainer& trainer) override;
  void onStep(Trainer& trainer, const Figures& figures) override;
  void onEnd(Trainer& trainer) override;
  /// Appends a line of its own (a JSON object with a "step"), e.g. the
  /// figures of an evaluation, through the same stream.
  void writeLine(const std::string& json);

  /// The last line written (an empty object before the first).
  const nlohmann::json& last() const { return last_; }

 private:
  void flush(Trainer& trainer);

  std::filesystem::path path_;
  FigureInterval interval_;
  std::ofstream out_;
  FigureSums sums_;
  int64_t count_ = 0;
  int64_t lastStep_ = 0;
  std::chrono::steady_clock::time_point start_, lastTime_;
  nlohmann::json last_ = nlohmann::json::object();
};

/// Writes samples/step_NNNNNNNN.png and samples/latest.png from a fixed set
/// of latent codes (and, for a conditional generator, fixed labels), so the
/// pictures of one run are comparable across time.
class SampleWriter : public Callback {
 public:
  using Renderer = std::function<torch::Tensor(const torch::Tensor& samples)>;
  SampleWriter(std::filesystem::path dir, int64_t every, torch::Tensor fixedLatents, Renderer renderer,
               torch::Tensor fixedLabels = {});
  void onStep(Trainer& trainer, const Figures& figures) override;
  void onEnd(Trainer& trainer) override;

 private:
  void write(Trainer& trainer);
  std::filesystem::path dir_;
  int64_t every_;
  torch::Tensor latents_;
  Renderer renderer_;
  torch::Tensor labels_;
  int64_t lastWritten_ = -1;
};

/// Writes checkpoint.pt every `every` steps and at the end.
class CheckpointWriter : public Callback {
 public:
  CheckpointWriter(std::filesystem::path path, int64_t every, std::string configToml);
  void onStep(Trainer& trainer, const Figures& figures) override;
  void onEnd(Trainer& trainer) override;

 private:
  std::filesystem::path path_;
  int64_t every_;
  std::string config_;
  int64_t lastWritten_ = -1;
};

/// Progress on the terminal: a live bar with ETA and figures when stdout is a
/// terminal, a plain line every `every` steps otherwise.
class ProgressReporter : public Callback {
 public:
  ProgressReporter(int64_t totalSteps, int64_t every, const MetricsLogger& metrics, bool interactive);
  void onStart(Trainer& trainer) override;
  void onStep(Trainer& trainer, const Figures& figures) override;
  void onEnd(Trainer& trainer) override;

 private:
  void print(Trainer& trainer, bool final);
  int64_t total_;
  int64_t every_;
  const MetricsLogger& metrics_;
  bool interactive_;
  int64_t startStep_ = 0;
  std::chrono::steady_clock::time_point start_, lastPrint_;
};

}  // namespace gantry::train
