#include "gantry/train/RunCallbacks.h"

#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/io/Png.h"
#include "gantry/train/Checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <tuple>

namespace gantry::train {

namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string formatDuration(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  auto total = static_cast<int64_t>(s + 0.5);
  if (total >= 3600) return fmt::format("{}:{:02d}:{:02d}", total / 3600, (total / 60) % 60, total % 60);
  return fmt::format("{:02d}:{:02d}", total / 60, total % 60);
}

}  // namespace

MetricsLogger::MetricsLogger(std::filesystem::path path, FigureInterval interval)
    : path_(std::move(path)), interval_(interval) {}

void MetricsLogger::onStart(Trainer& trainer) {
  out_.open(path_, std::ios::app);
  if (!out_) throw UserError(fmt::format("cannot write {}; check permissions and free space", path_.string()));
  start_ = lastTime_ = std::chrono::steady_clock::now();
  lastStep_ = trainer.steps();
}

void MetricsLogger::onStep(Trainer& trainer, const Figures& figures) {
  sums_.add(figures);
  ++count_;
  if (interval_.endsAt(trainer.steps())) flush(trainer);
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
  const int64_t step = trainer.steps();
  const double dt = seconds(now - lastTime_);
  nlohmann::json j = {{"step", step},
                      {"epoch", trainer.completedEpochs()},
                      {"lr_d", trainer.discriminatorLearningRate()},
                      {"lr_g", trainer.generatorLearningRate()},
                      {"steps_per_s", dt > 0 ? static_cast<double>(step - lastStep_) / dt : 0.0},
                      {"elapsed_s", seconds(now - start_)}};
  for (const auto& sum : sums_.sums()) j[sum.name] = sum.total.item<double>() / static_cast<double>(sum.count);
  // Only for runs that have it, so the common lines stay short.
  const auto& noise = trainer.game().instanceNoise;
  if (noise.enabled()) j["instance_noise"] = noise.stdAt(step);
  out_ << j.dump() << '\n';
  out_.flush();
  last_ = std::move(j);
  sums_.clear();
  count_ = 0;
  lastStep_ = step;
  lastTime_ = now;
}

SampleWriter::SampleWriter(std::filesystem::path dir, int64_t every, torch::Tensor fixedLatents, Renderer renderer,
                           torch::Tensor fixedLabels)
    : dir_(std::move(dir)),
      every_(every),
      latents_(std::move(fixedLatents)),
      renderer_(std::move(renderer)),
      labels_(std::move(fixedLabels)) {}

void SampleWriter::write(Trainer& trainer) {
  // A population's pictures are member 0's (gantry sample --member draws the others).
  auto member = trainer.generator().members() > 1 ? trainer.generator().member(0) : nullptr;
  auto& generator = member ? *member : trainer.generator();
  torch::Tensor samples;
  {
    torch::NoGradGuard guard;
    generator.eval();
    samples = generator.forward(latents_.to(trainer.device()),
                                labels_.defined() ? labels_.to(trainer.device()) : torch::Tensor());
    generator.train();
  }
  auto image = renderer_(samples);
  createFolder(dir_);
  io::writePng(dir_ / fmt::format("step_{:08d}.png", trainer.steps()), image);
  io::writePng(dir_ / "latest.png", image);
  lastWritten_ = trainer.steps();
}

void SampleWriter::onStep(Trainer& trainer, const Figures&) {
  if (every_ > 0 && trainer.steps() % every_ == 0) write(trainer);
}

void SampleWriter::onEnd(Trainer& trainer) {
  if (lastWritten_ != trainer.steps()) write(trainer);
}

CheckpointWriter::CheckpointWriter(std::filesystem::path path, int64_t every, std::string configToml)
    : path_(std::move(path)), every_(every), config_(std::move(configToml)) {}

void CheckpointWriter::onStep(Trainer& trainer, const Figures&) {
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

void ProgressReporter::onStep(Trainer& trainer, const Figures&) {
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
  // The standard figures of the last logged line, where it has them.
  const auto& m = metrics_.last();
  std::string figures;
  for (const auto& [key, label, precision] : {std::tuple<const char*, const char*, int>{"d_loss", "d_loss", 4},
                                              {"g_loss", "g_loss", 4},
                                              {"d_real", "D(x)", 3},
                                              {"d_fake", "D(G(z))", 3}})
    if (m.contains(key) && m[key].is_number())
      figures += fmt::format("{}{} {:.{}f}", figures.empty() ? "" : "  ", label, m[key].get<double>(), precision);
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
