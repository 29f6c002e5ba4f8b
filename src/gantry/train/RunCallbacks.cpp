#include "gantry/train/RunCallbacks.h"

#include "gantry/core/Error.h"
#include "gantry/io/Png.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace gantry::train {

namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

void accumulate(torch::Tensor& sum, const torch::Tensor& value) {
  if (!value.defined()) return;
  sum = sum.defined() ? sum + value : value.clone();
}

double averageOf(const torch::Tensor& sum, int64_t count) {
  return sum.defined() ? sum.item<double>() / static_cast<double>(count) : std::nan("");
}

std::string formatDuration(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  auto total = static_cast<int64_t>(s + 0.5);
  if (total >= 3600) return fmt::format("{}:{:02d}:{:02d}", total / 3600, (total / 60) % 60, total % 60);
  return fmt::format("{:02d}:{:02d}", total / 60, total % 60);
}

}  // namespace

MetricsLogger::MetricsLogger(std::filesystem::path path, int64_t every) : path_(std::move(path)), every_(every) {}

void MetricsLogger::onStart(Trainer& trainer) {
  out_.open(path_, std::ios::app);
  if (!out_) throw UserError(fmt::format("cannot write {}; check permissions and free space", path_.string()));
  start_ = lastTime_ = std::chrono::steady_clock::now();
  lastStep_ = trainer.steps();
}

void MetricsLogger::onStep(Trainer& trainer, const StepStats& stats) {
  accumulate(sum_.d_loss, stats.d_loss);
  accumulate(sum_.penalty, stats.penalty);
  accumulate(sum_.g_loss, stats.g_loss);
  accumulate(sum_.d_real, stats.d_real);
  accumulate(sum_.d_fake, stats.d_fake);
  accumulate(sum_.value, stats.value);
  ++count_;
  if (trainer.steps() % every_ == 0) flush(trainer);
}

void MetricsLogger::onEnd(Trainer& trainer) {
  if (count_ > 0) flush(trainer);
  out_.close();
}

void MetricsLogger::writeLine(const std::string& json) {
  if (!out_.is_open()) out_.open(path_, std::ios::app);
  out_ << json << '\n';
  out_.flush();
  if (!out_) throw UserError(fmt::format("cannot write {}; check permissions and free space", path_.string()));
}

void MetricsLogger::flush(Trainer& trainer) {
  auto now = std::chrono::steady_clock::now();
  Line line;
  line.step = trainer.steps();
  line.d_loss = averageOf(sum_.d_loss, count_);
  line.g_loss = averageOf(sum_.g_loss, count_);
  line.d_real = averageOf(sum_.d_real, count_);
  line.d_fake = averageOf(sum_.d_fake, count_);
  line.value = averageOf(sum_.value, count_);
  double dt = seconds(now - lastTime_);
  line.steps_per_s = dt > 0 ? static_cast<double>(line.step - lastStep_) / dt : 0.0;
  line.elapsed_s = seconds(now - start_);
  nlohmann::json j = {{"step", line.step},
                      {"epoch", trainer.completedEpochs()},
                      {"d_loss", line.d_loss},
                      {"g_loss", line.g_loss},
                      {"d_real", line.d_real},
                      {"d_fake", line.d_fake},
                      {"value", line.value},
                      {"lr_d", trainer.discriminatorLearningRate()},
                      {"lr_g", trainer.generatorLearningRate()},
                      {"steps_per_s", line.steps_per_s},
                      {"elapsed_s", line.elapsed_s}};
  // Only for runs that have them, so the common lines stay short.
  if (sum_.penalty.defined()) j["penalty"] = averageOf(sum_.penalty, count_);
  const auto& noise = trainer.options().instance_noise;
  if (noise.enabled()) j["instance_noise"] = noise.stdAt(trainer.steps());
  out_ << j.dump() << '\n';
  out_.flush();
  last_ = line;
  sum_ = StepStats{};
  count_ = 0;
  lastStep_ = line.step;
  lastTime_ = now;
}

SampleWriter::SampleWriter(std::filesystem::path dir, int64_t every, torch::Tensor fixedLatents, Renderer renderer)
    : dir_(std::move(dir)), every_(every), latents_(std::move(fixedLatents)), renderer_(std::move(renderer)) {}

void SampleWriter::write(Trainer& trainer) {
  auto& generator = trainer.generator();
  torch::Tensor samples;
  {
    torch::NoGradGuard guard;
    generator.eval();
    samples = generator.forward(latents_.to(trainer.options().device));
    generator.train();
  }
  auto image = renderer_(samples);
  std::filesystem::create_directories(dir_);
  io::writePng(dir_ / fmt::format("step_{:08d}.png", trainer.steps()), image);
  io::writePng(dir_ / "latest.png", image);
  lastWritten_ = trainer.steps();
}

void SampleWriter::onStep(Trainer& trainer, const StepStats&) {
  if (every_ > 0 && trainer.steps() % every_ == 0) write(trainer);
}

void SampleWriter::onEnd(Trainer& trainer) {
  if (lastWritten_ != trainer.steps()) write(trainer);
}

CheckpointWriter::CheckpointWriter(std::filesystem::path path, int64_t every, std::string configToml)
    : path_(std::move(path)), every_(every), config_(std::move(configToml)) {}

void CheckpointWriter::onStep(Trainer& trainer, const StepStats&) {
  if (every_ > 0 && trainer.steps() % every_ == 0) {
    writeCheckpoint(path_, trainer, config_);
    lastWritten_ = trainer.steps();
  }
}

void CheckpointWriter::onEnd(Trainer& trainer) {
  if (lastWritten_ != trainer.steps()) writeCheckpoint(path_, trainer, config_);
}

ProgressReporter::ProgressReporter(int64_t totalSteps, int64_t every, const MetricsLogger& metrics, bool interactive)
    : total_(totalSteps), every_(every), metrics_(metrics), interactive_(interactive) {}

void ProgressReporter::onStart(Trainer& trainer) {
  startStep_ = trainer.steps();
  start_ = lastPrint_ = std::chrono::steady_clock::now();
}

void ProgressReporter::onStep(Trainer& trainer, const StepStats&) {
  if (interactive_) {
    auto now = std::chrono::steady_clock::now();
    if (seconds(now - lastPrint_) >= 0.25) print(trainer, false);
  } else if (trainer.steps() % every_ == 0) {
    print(trainer, false);
  }
}

void ProgressReporter::onEnd(Trainer& trainer) {
  // A plain line for this step may already be out; a live bar always ends.
  if (interactive_ || trainer.steps() % every_ != 0) print(trainer, true);
}

void ProgressReporter::print(Trainer& trainer, bool final) {
  auto now = std::chrono::steady_clock::now();
  lastPrint_ = now;
  double elapsed = seconds(now - start_);
  int64_t done = trainer.steps() - startStep_;
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  double eta = rate > 0 ? static_cast<double>(total_ - trainer.steps()) / rate : NAN;
  const auto& m = metrics_.last();
  std::string figures = m.step > 0 ? fmt::format("d_loss {:.4f}  g_loss {:.4f}  D(x) {:.3f}  D(G(z)) {:.3f}", m.d_loss,
                                                 m.g_loss, m.d_real, m.d_fake)
                                   : std::string("");
  if (interactive_) {
    const int width = 30;
    double fraction = total_ > 0 ? static_cast<double>(trainer.steps()) / static_cast<double>(total_) : 1.0;
    int filled = static_cast<int>(fraction * width);
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::cout << fmt::format("\r[{}] {}/{} {:3.0f}%  {:.0f} steps/s  ETA {}  {}\x1b[K", bar, trainer.steps(), total_,
                             fraction * 100, rate, formatDuration(final ? 0.0 : eta), figures);
    if (final) std::cout << '\n';
    std::cout << std::flush;
  } else {
    std::cout << fmt::format("step {}/{}  {:.0f} steps/s  elapsed {}  ETA {}  {}\n", trainer.steps(), total_, rate,
                             formatDuration(elapsed), formatDuration(final ? 0.0 : eta), figures)
              << std::flush;
  }
}

}  // namespace gantry::train
