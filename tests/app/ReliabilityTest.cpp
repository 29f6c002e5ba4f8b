// What machines and careless hands do to a run folder (docs/reliability.md):
// two trainings into one folder, bit rot in a checkpoint, a metrics line cut
// short, files left by a killed write.
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunLock.h"
#include "gantry/app/RunSetup.h"
#include "gantry/core/Blas.h"
#include "gantry/io/Npy.h"
#include "gantry/io/ZipIntegrity.h"
#include "gantry/train/Checkpoint.h"
#include "gantry/train/Divergence.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>
#include <zip.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;
namespace fs = std::filesystem;

namespace {

/// The steps of a run's metrics lines; fails the test on a line that is not
/// a whole JSON object.
std::vector<int64_t> metricSteps(const fs::path& run) {
  std::vector<int64_t> steps;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object() && j.contains("step")) << "not a metrics line: " << line;
    if (j.is_object() && j.contains("step")) steps.push_back(j["step"].get<int64_t>());
  }
  return steps;
}

bool strictlyIncreasing(const std::vector<int64_t>& steps) {
  for (size_t i = 1; i < steps.size(); ++i)
    if (steps[i] <= steps[i - 1]) return false;
  return true;
}

/// A process id no process has now.
long deadPid() {
  for (long pid = 4000000; pid > 1000; --pid)
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return pid;
  return -1;
}

/// Waits (up to 120 s) until `file` exists and is not empty, or the process
/// ends; whether it did.
bool waitForFile(const fs::path& file, pid_t child) {
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       std::chrono::steady_clock::now() < deadline;) {
    std::error_code ec;
    if (fs::exists(file, ec) && fs::file_size(file, ec) > 0) return true;
    if (waitpid(child, nullptr, WNOHANG) == child) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string trainRing8(const fs::path& run, const std::string& extra) {
  return "train --preset ring8 --quiet --set sample_every=0 --out " + quoted(run) + " " + extra;
}

/// A ring8 run in `run` to test on (wrap in ASSERT_NO_FATAL_FAILURE).
void trainedRing8(const fs::path& run, const std::string& extra) {
  auto trained = runGantry(trainRing8(run, extra));
  ASSERT_EQ(trained.exitCode, 0) << trained.err;
}

}  // namespace

TEST(ReliabilityTest, ASecondTrainingIntoTheFolderRefusesAtOnceAndTheFirstIsUnharmed) {
  TempDir dir;
  const auto run = dir / "run";
  const pid_t first =
      gantry::test::spawnGantry({"train", "--preset", "ring8", "--steps", "1000000", "--set", "log_every=10", "--set",
                                 "sample_every=0", "--quiet", "--out", run.string()},
                                dir / "out", dir / "err");
  ASSERT_GT(first, 0);
  const bool started = waitForFile(run / "metrics.jsonl", first);
  if (!started) kill(first, SIGKILL);
  ASSERT_TRUE(started) << "the first training logged nothing: " << gantry::test::readFile(dir / "err");

  // The second, new or resumed, names the holder and leaves the folder alone.
  const std::string holder = "in use by gantry train (pid " + std::to_string(first);
  expectOneLineError(runGantry(trainRing8(run, "--steps 50")), holder);
  expectOneLineError(runGantry("train --resume " + quoted(run) + " --steps 50"), holder);

  ASSERT_EQ(kill(first, SIGINT), 0);
  auto status = gantry::test::waitFor(first, 120);
  if (!status) kill(first, SIGKILL);
  ASSERT_TRUE(status && WIFEXITED(*status)) << "the first training did not stop on SIGINT";
  EXPECT_EQ(WEXITSTATUS(*status), 130) << gantry::test::readFile(dir / "err");

  // The first's folder is whole: one run's metrics, and it samples,
  // evaluates and resumes.
  const auto steps = metricSteps(run);
  ASSERT_FALSE(steps.empty());
  EXPECT_TRUE(strictlyIncreasing(steps));
  auto sample = runGantry("sample --run " + quoted(run) + " -n 100 --out " + quoted(dir / "s.npy"));
  EXPECT_EQ(sample.exitCode, 0) << sample.err;
  auto eval = runGantry("eval --run " + quoted(run) + " --metrics modes --out " + quoted(dir / "m.json"));
  EXPECT_EQ(eval.exitCode, 0) << eval.err;
  auto resumed =
      runGantry("train --resume " + quoted(run) + " --steps " + std::to_string(steps.back() + 20) + " --quiet");
  EXPECT_EQ(resumed.exitCode, 0) << resumed.err;
  EXPECT_TRUE(resumed.err.empty()) << "a run that ended normally leaves no note: " << resumed.err;
}

TEST(ReliabilityTest, TheLockOfADeadProcessAndItsTempFilesAreTakenOver) {
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 40"));
  const long pid = deadPid();
  ASSERT_GT(pid, 0);
  // What kill -9 leaves: its line in the lock, a write never renamed.
  gantry::test::writeFile(gantry::app::lockFile(run), "gantry train (pid " + std::to_string(pid) + " on elsewhere)");
  const auto temp = run / ("checkpoint.pt.tmp-" + std::to_string(pid));
  gantry::test::writeFile(temp, "half a checkpoint");
  // A temp file of a live process (this one) is not touched.
  const auto live = run / ("metrics.jsonl.tmp-" + std::to_string(getpid()));
  gantry::test::writeFile(live, "{}");
  // Nor a file whose number no process id can be (it broke the start).
  const auto foreign = run / "notes.tmp-99999999999999999999";
  gantry::test::writeFile(foreign, "mine");

  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 60 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("took over run folder"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("pid " + std::to_string(pid)), std::string::npos) << resumed.err;
  EXPECT_FALSE(fs::exists(temp)) << "the dead write's temp file is still there";
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(foreign));
}

TEST(ReliabilityTest, TheLockIsHeldWhileTheObjectLives) {
  TempDir dir;
  {
    gantry::app::RunLock lock(dir.path(), "a test");
    EXPECT_TRUE(lock.notes().empty());
    auto refused = gantry::test::userErrorOf([&] { gantry::app::RunLock other(dir.path(), "another"); });
    EXPECT_NE(refused.find("in use by a test (pid " + std::to_string(getpid())), std::string::npos) << refused;
  }
  // Not kept (no run was written): the lock file went with the lock.
  EXPECT_FALSE(fs::exists(gantry::app::lockFile(dir.path())));
  {
    gantry::app::RunLock again(dir.path(), "a test");
    again.keepFile();
  }
  ASSERT_TRUE(fs::exists(gantry::app::lockFile(dir.path())));
  gantry::app::RunLock third(dir.path(), "a test");
  EXPECT_TRUE(third.notes().empty()) << "released normally, nothing to take over: " << third.notes();
}

/// The generator's weights in a run's checkpoint.
std::vector<torch::Tensor> generatorWeights(const fs::path& run) {
  const gantry::app::RunFolder folder{run};
  auto generator = gantry::app::buildGenerator(gantry::app::readRunConfig(folder), 0);
  gantry::train::CheckpointReader(folder.checkpoint()).readGenerator(*generator);
  return generator->parameters();
}

/// Temporary files of writes (name.tmp-PID) in a run folder.
std::vector<fs::path> tempFiles(const fs::path& run) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& dir : {run, run / "samples"})
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().filename().string().find(".tmp-") != std::string::npos) found.push_back(entry.path());
  return found;
}

TEST(ReliabilityTest, KillNineAtTwentyRandomMomentsLosesNothingButTime) {
  // kill -9 at 20 moments drawn at random (seeded) from the first 1.5 s of
  // a process: its start, its training, its checkpoint and metrics writes.
  // After each, the folder's metrics.jsonl is whole lines with contiguous
  // steps (then at most one line cut short), and the next process goes on:
  // a new run's if the folder holds none yet, else a resume. Finally the run
  // resumes to its end: the metrics are every step once, no temp file is
  // left, and the generator equals a straight run's bit for bit.
  using gantry::test::spawnGantry;
  using gantry::test::waitFor;
  TempDir dir;
  const auto run = dir / "run";
  const std::vector<std::string> settings = {"--set", "log_every=10",   "--set",  "checkpoint_every=50",
                                             "--set", "sample_every=0", "--quiet"};
  auto command = [&](bool resume, int64_t steps) {
    std::vector<std::string> args = {"train", "--steps", std::to_string(steps)};
    if (resume) {
      args.insert(args.end(), {"--resume", run.string(), "--quiet"});
    } else {
      args.insert(args.end(), {"--preset", "ring8", "--out", run.string()});
      args.insert(args.end(), settings.begin(), settings.end());
    }
    return args;
  };
  std::mt19937 rng(2026);
  std::uniform_int_distribution<int> delayMs(0, 1500);
  int tempFilesSeen = 0, restarts = 0;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("kill " + std::to_string(i + 1));
    const bool resume = fs::exists(run / "config.toml");
    if (!fs::exists(run / "checkpoint.pt")) ++restarts;
    const auto err = dir / ("err" + std::to_string(i));
    const pid_t child = spawnGantry(command(resume, 1000000), dir / "out", err);
    ASSERT_GT(child, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs(rng)));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    const auto status = waitFor(child, 60);
    ASSERT_TRUE(status);
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "it ended by itself: " << gantry::test::readFile(err);
    std::error_code ec;
    const std::string metrics =
        fs::exists(run / "metrics.jsonl", ec) ? gantry::test::readFile(run / "metrics.jsonl") : "";
    int64_t expected = 10;
    size_t start = 0;
    for (size_t end; (end = metrics.find('\n', start)) != std::string::npos; start = end + 1) {
      auto j = nlohmann::json::parse(metrics.substr(start, end - start), nullptr, /*allow_exceptions=*/false);
      ASSERT_TRUE(j.is_object() && j.contains("step")) << "not a whole line: " << metrics.substr(start, end - start);
      ASSERT_EQ(j["step"].get<int64_t>(), expected) << "metrics not contiguous";
      expected += 10;
    }
    tempFilesSeen += static_cast<int>(tempFiles(run).size());
  }

  ASSERT_TRUE(fs::exists(run / "config.toml")) << "20 kills, and no start got as far as its config";
  // To the next checkpoint's step past the last one saved, then compared.
  int64_t saved = 0;
  if (fs::exists(run / "checkpoint.pt")) {
    auto trainer = gantry::app::buildTrainer(gantry::app::readRunConfig(gantry::app::RunFolder{run}));
    gantry::train::CheckpointReader(run / "checkpoint.pt").restore(*trainer);
    saved = trainer->steps();
  }
  const int64_t steps = saved + 50;
  std::cout << "20 kills: the last checkpoint at step " << saved << ", " << tempFilesSeen
            << " temp files of killed writes seen, " << restarts << " starts before any checkpoint\n";
  auto finished = runGantry("train --resume " + quoted(run) + " --steps " + std::to_string(steps) + " --quiet");
  ASSERT_EQ(finished.exitCode, 0) << finished.err;
  EXPECT_TRUE(tempFiles(run).empty()) << "the killed writes' temp files remain (" << tempFilesSeen << " seen)";
  std::vector<int64_t> every;
  for (int64_t s = 10; s <= steps; s += 10) every.push_back(s);
  EXPECT_EQ(metricSteps(run), every);
  auto straight = runGantry(trainRing8(
      dir / "straight", "--steps " + std::to_string(steps) + " --set log_every=10 --set checkpoint_every=50"));
  ASSERT_EQ(straight.exitCode, 0) << straight.err;
  const auto a = generatorWeights(run), b = generatorWeights(dir / "straight");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "generator tensor " << i << " differs";
}

TEST(ReliabilityTest, FlippedBytesInAnyTensorOfACheckpointAreRefused) {
  TempDir dir;
  const auto run = dir / "run";
  // Checkpoints at steps 100 and 200: the latest and the previous one.
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 200 --set checkpoint_every=100"));
  const gantry::app::RunFolder folder{run};
  ASSERT_TRUE(fs::exists(gantry::train::previousCheckpoint(folder.checkpoint())));
  const std::string good = gantry::test::readFile(folder.checkpoint());

  // Where each player's tensors lie in the file: their bytes, found in it.
  auto trainer = gantry::app::buildTrainer(gantry::app::readRunConfig(folder));
  gantry::train::CheckpointReader(folder.checkpoint()).restore(*trainer);
  std::vector<std::pair<size_t, size_t>> spans;  // offset, bytes
  auto tensors = trainer->generator().parameters();
  for (const auto& p : trainer->discriminator().parameters()) tensors.push_back(p);
  for (const auto& p : tensors) {
    auto t = p.detach().contiguous();
    const std::string bytes(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    const size_t at = good.find(bytes);
    ASSERT_NE(at, std::string::npos) << "a parameter's bytes are not in the checkpoint";
    spans.push_back({at, bytes.size()});
  }

  std::mt19937 rng(7);
  const std::vector<std::string> commands = {
      "sample --run " + quoted(run) + " -n 10 --out " + quoted(dir / "s.npy"),
      "eval --run " + quoted(run) + " --metrics modes --out " + quoted(dir / "m.json"),
      "train --resume " + quoted(run) + " --steps 300 --quiet"};
  for (size_t i = 0; i < spans.size(); ++i) {
    const auto [offset, size] = spans[i];
    const size_t at = offset + std::uniform_int_distribution<size_t>(0, size - 1)(rng);
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ (1 << (i % 8)));
    gantry::test::writeFile(folder.checkpoint(), bad);
    const auto& command = commands[i % commands.size()];
    SCOPED_TRACE("tensor " + std::to_string(i) + ", byte " + std::to_string(at) + ": " + command);
    const auto refused = runGantry(command);
    expectOneLineError(refused, "checksum mismatch");
    EXPECT_NE(refused.err.find("checkpoint.prev.pt"), std::string::npos) << "names no fallback: " << refused.err;
  }

  // The fallback the message names works: the checkpoint of step 100.
  fs::copy_file(gantry::train::previousCheckpoint(folder.checkpoint()), folder.checkpoint(),
                fs::copy_options::overwrite_existing);
  expectOneLineError(runGantry("train --resume " + quoted(run) + " --steps 100"), "already at step 100");
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 200 --quiet");
  EXPECT_EQ(resumed.exitCode, 0) << resumed.err;
}

TEST(ReliabilityTest, ACheckpointWrittenCorruptIsRefusedWithOneLine) {
  // Found by scripts/fuzz (target checkpoint): a record that is garbage but
  // whose CRC-32 matches (a file written corrupt, not corrupted later) gets
  // past the integrity check, and LibTorch's TorchScript importer throws a
  // std::runtime_error, not a c10::Error: it was "internal error", exit 1.
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 20"));
  const auto checkpoint = run / "checkpoint.pt";
  int code = 0;
  zip_t* archive = zip_open(checkpoint.c_str(), 0, &code);
  ASSERT_NE(archive, nullptr);
  const zip_int64_t index = zip_name_locate(archive, "archive/code/__torch__.py", 0);
  ASSERT_GE(index, 0) << "LibTorch's archive layout changed";
  static const char garbage[] = "\xff\xfe class ( not python";
  zip_source_t* source = zip_source_buffer(archive, garbage, sizeof garbage - 1, 0);
  ASSERT_EQ(zip_file_replace(archive, static_cast<zip_uint64_t>(index), source, 0), 0);
  ASSERT_EQ(zip_close(archive), 0);  // libzip writes the record's new CRC-32
  // The CRCs match; the record is refused before LibTorch compiles it.
  ASSERT_TRUE(gantry::io::zipIntegrityError(checkpoint));
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 5 --out " + quoted(dir / "s.npy")),
                     "record 'archive/code/__torch__.py': line 1 is not of the module descriptions gantry writes");
  expectOneLineError(runGantry("train --resume " + quoted(run) + " --steps 40 --quiet"),
                     "is corrupt (record 'archive/code/__torch__.py'");
  // Well-formed TorchScript, but code where gantry writes attributes only
  // (records of this kind crashed LibTorch's importer in scripts/fuzz).
  archive = zip_open(checkpoint.c_str(), 0, &code);
  ASSERT_NE(archive, nullptr);
  static const char method[] =
      "class Module(Module):\n  __parameters__ = []\n  __buffers__ = []\n  def forward(self):\n    return 1\n";
  source = zip_source_buffer(archive, method, sizeof method - 1, 0);
  ASSERT_EQ(zip_file_replace(archive, static_cast<zip_uint64_t>(index), source, 0), 0);
  ASSERT_EQ(zip_close(archive), 0);
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 5 --out " + quoted(dir / "s.npy")),
                     "record 'archive/code/__torch__.py': line 4 is not of the module descriptions gantry writes");
  // Also found by it: an intact zip of no record (just the end of its
  // directory), on which LibTorch's reader leaked; refused before it.
  gantry::test::writeFile(checkpoint, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 5 --out " + quoted(dir / "s.npy")),
                     "an empty zip file");
}

TEST(ReliabilityTest, ATensorRecordCutShortIsRefusedWithOneLine) {
  // A tensor's record shorter than its sizes need, its CRC-32 made anew:
  // LibTorch 1.13 reads it all the same, and resuming from it aborted
  // ("free(): invalid size"), crashed or read garbage as diverged weights.
  // Each data record in turn cut to half its bytes.
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 20"));
  const auto checkpoint = run / "checkpoint.pt";
  const std::string good = gantry::test::readFile(checkpoint);
  int code = 0;
  zip_t* archive = zip_open(checkpoint.c_str(), ZIP_RDONLY, &code);
  ASSERT_NE(archive, nullptr);
  std::vector<std::string> records;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i)
    if (std::string name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0); name.rfind("archive/data/", 0) == 0)
      records.push_back(name);
  zip_discard(archive);
  ASSERT_GE(records.size(), 4u) << "LibTorch's archive layout changed";
  for (size_t r = 0; r < records.size(); ++r) {
    SCOPED_TRACE(records[r]);
    gantry::test::writeFile(checkpoint, good);
    archive = zip_open(checkpoint.c_str(), 0, &code);
    ASSERT_NE(archive, nullptr);
    const zip_int64_t index = zip_name_locate(archive, records[r].c_str(), 0);
    zip_stat_t stat;
    ASSERT_EQ(zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &stat), 0);
    std::string bytes(stat.size / 2, '\0');
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(index), 0);
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(zip_fread(file, bytes.data(), bytes.size()), static_cast<zip_int64_t>(bytes.size()));
    zip_fclose(file);
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    ASSERT_EQ(zip_file_replace(archive, static_cast<zip_uint64_t>(index), source, 0), 0);
    ASSERT_EQ(zip_close(archive), 0);  // libzip writes the record's new CRC-32
    const auto& command = r % 2 == 0 ? "train --resume " + quoted(run) + " --steps 40 --quiet"
                                     : "sample --run " + quoted(run) + " -n 5 --out " + quoted(dir / "s.npy");
    expectOneLineError(runGantry(command), "is corrupt (a tensor record does not hold its tensor's bytes)");
  }
}

TEST(ReliabilityTest, ACheckpointAfterOneKilledBeforeItsRenameLeavesNoTemporaryFile) {
  // A write killed after keeping the previous checkpoint and before renaming
  // the new one leaves checkpoint.prev.pt and checkpoint.pt as links to one
  // file; the next checkpoint must not leave its temporary link behind
  // (seen once in KillNineAtTwentyRandomMoments).
  TempDir dir;
  auto run = dir / "run";
  ASSERT_EQ(runGantry(trainRing8(run, "--steps 50 --set checkpoint_every=50")).exitCode, 0);
  fs::remove(run / "checkpoint.prev.pt");
  fs::create_hard_link(run / "checkpoint.pt", run / "checkpoint.prev.pt");
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 100 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  EXPECT_TRUE(tempFiles(run).empty()) << tempFiles(run).front();
  EXPECT_TRUE(fs::exists(run / "checkpoint.prev.pt"));
}

TEST(ReliabilityTest, AResumeDropsAMetricsLineCutShort) {
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 100 --set log_every=10"));
  {
    // A full disk or a kill in the middle of a line.
    std::ofstream out(run / "metrics.jsonl", std::ios::app);
    out << "{\"step\": 110, \"d_lo";
  }
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 150 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  std::vector<int64_t> expected;
  for (int64_t s = 10; s <= 150; s += 10) expected.push_back(s);
  EXPECT_EQ(metricSteps(run), expected);
}

TEST(ReliabilityTest, AResumeFromEitherCheckpointRedoesTheMetricsLinesAsTheyWere) {
  // Checkpoints every 20 steps, lines every 30: a line also ends at each
  // checkpoint, so that the lines a resume redoes average the same steps.
  // Before, the line at 30 averaged steps 1-30, and after a resume from the
  // fallback (step 20) only 21-30.
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 30 --set log_every=30 --set checkpoint_every=20"));
  auto figures = [&] {
    std::vector<nlohmann::json> lines;
    std::ifstream in(run / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      j.erase("steps_per_s");
      j.erase("elapsed_s");
      lines.push_back(j);
    }
    return lines;
  };
  const auto straight = figures();
  ASSERT_EQ(metricSteps(run), (std::vector<int64_t>{20, 30}));
  fs::copy_file(gantry::train::previousCheckpoint(run / "checkpoint.pt"), run / "checkpoint.pt",
                fs::copy_options::overwrite_existing);
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 30 --quiet");
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  const auto redone = figures();
  ASSERT_EQ(redone.size(), straight.size());
  for (size_t i = 0; i < straight.size(); ++i) EXPECT_EQ(redone[i], straight[i]) << "line " << i;
}

TEST(ReliabilityTest, AResumeWithoutTheCheckpointsOfARunPastItsFirstIsRefused) {
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 100 --set log_every=10 --set checkpoint_every=50"));
  fs::remove(run / "checkpoint.pt");
  fs::remove(run / "checkpoint.prev.pt");
  const auto before = metricSteps(run);
  // Starting again from step 0 would drop the metrics up to step 100.
  expectOneLineError(
      runGantry("train --resume " + quoted(run) + " --steps 150 --quiet"),
      "has no checkpoint.pt, yet its metrics.jsonl reaches step 100, past the first checkpoint (step 50)");
  EXPECT_EQ(metricSteps(run), before);
  EXPECT_EQ(before.back(), 100);
}

namespace {

const std::string kDiverging = "--set optimizer=sgd --set lr_d=1e3 --set lr_g=1e3 --set log_every=10";

/// No checkpoint, or one whose generator samples (sample refuses
/// non-finite weights).
void expectNoNonFiniteCheckpoint(const fs::path& run, const fs::path& scratch) {
  if (!fs::exists(run / "checkpoint.pt")) return;
  auto sample = runGantry("sample --run " + quoted(run) + " -n 10 --out " + quoted(scratch / "check.npy"));
  EXPECT_EQ(sample.exitCode, 0) << sample.err;
}

}  // namespace

TEST(ReliabilityTest, AnEvaluationOfADivergedGeneratorIsTheRunsDivergence) {
  // Evaluations come between the divergence checks at the ends of log
  // intervals: they took a diverged G's NaN samples as samples (ring8's
  // modes: "no mode, KL 0"; FD's eigensolver and the report's histograms
  // stopped with an internal error). Now the first evaluation that meets
  // them is the run's divergence, under its policy.
  TempDir dir;
  auto run = runGantry(trainRing8(dir / "run", kDiverging + " --steps 200 --set eval_every=1"));
  EXPECT_EQ(run.exitCode, 3) << run.err;
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(run.err, match, std::regex("diverged at step ([0-9]+) \\(non-finite generated samples")))
      << run.err;
  const int64_t step = std::stoll(match[1]);
  EXPECT_LT(step, 10) << "not before the check at the end of the first log interval";
  // Only the evaluations before it are in the log.
  std::istringstream lines(gantry::test::readFile(dir / "run" / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);)
    EXPECT_LT(nlohmann::json::parse(line).at("step").get<int64_t>(), step) << line;
}

TEST(ReliabilityTest, ADivergingRunStopsWithinOneLogIntervalWithOneLine) {
  TempDir dir;
  auto run = runGantry(trainRing8(dir / "run", kDiverging + " --steps 200"));
  EXPECT_EQ(run.exitCode, 3);
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << "not one line: " << run.err;
  EXPECT_NE(run.err.find("training diverged at step 10 (non-finite"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("on_divergence=rollback"), std::string::npos) << "names no way out: " << run.err;
  expectNoNonFiniteCheckpoint(dir / "run", dir.path());

  // Later, after checkpoints: the Dirac-GAN under simultaneous gradient
  // steps of size 1 doubles theta^2 + psi^2 at every step (the closed form
  // 1 + eta^2), so its loss psi * theta overflows float32 near step 128
  // (measured: caught at 130), on any machine; the checkpoints before stay.
  const auto late = dir / "late";
  auto doubling =
      runGantry("train --preset dirac --quiet --set sample_every=0 --out " + quoted(late) +
                " --steps 400 --set objective=wgan --set weight_clip=0 --set optimizer=sgd --set momentum=0 "
                "--set momentum_final=0 --set lr_g=1 --set lr_d=1 --set lr_decay=1 --set update=simultaneous "
                "--set log_every=10 --set checkpoint_every=10");
  EXPECT_EQ(doubling.exitCode, 3) << doubling.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(doubling.err, match, std::regex("diverged at step ([0-9]+)"))) << doubling.err;
  const int64_t step = std::stoll(match[1]);
  ASSERT_TRUE(fs::exists(late / "checkpoint.pt"));
  expectNoNonFiniteCheckpoint(late, dir.path());
  // The metrics stop before the diverged step; none holds a null figure.
  const auto steps = metricSteps(late);
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.back(), step - 10);
  EXPECT_EQ(gantry::test::readFile(late / "metrics.jsonl").find("null"), std::string::npos);
  expectOneLineError(runGantry("train --resume " + quoted(late) + " --steps " + std::to_string(step - 10)),
                     "already at step " + std::to_string(step - 10));
}

TEST(ReliabilityTest, RollbackLowersTheRatesUntilTheRunTrainsOrStopsWithOneLine) {
  TempDir dir;
  // Factor 1e-3: 1e3 -> 1 (diverges again) -> 1e-3, which trains.
  const auto run = dir / "run";
  auto rolled = runGantry(trainRing8(run, kDiverging + " --steps 100 --set checkpoint_every=20 "
                                                       "--set on_divergence=rollback --set divergence_lr_factor=1e-3"));
  ASSERT_EQ(rolled.exitCode, 0) << rolled.err;
  EXPECT_NE(rolled.err.find("rolled back to step 0 with lr_g 1000 -> 1, lr_d 1000 -> 1 (rollback 1 of at most 3)"),
            std::string::npos)
      << rolled.err;
  EXPECT_NE(rolled.err.find("lr_g 1 -> 0.001"), std::string::npos) << rolled.err;
  expectNoNonFiniteCheckpoint(run, dir.path());
  // The config and checkpoint name the rates the run now has: it resumes.
  const auto config = gantry::app::readRunConfig(gantry::app::RunFolder{run});
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 1e-3);
  EXPECT_DOUBLE_EQ(config.getFloat("lr_d"), 1e-3);
  std::vector<int64_t> expected;
  for (int64_t s = 10; s <= 100; s += 10) expected.push_back(s);
  EXPECT_EQ(metricSteps(run), expected) << "metrics are one contiguous run";
  auto resumed = runGantry("train --resume " + quoted(run) + " --steps 120 --quiet");
  EXPECT_EQ(resumed.exitCode, 0) << resumed.err;

  // The defaults (factor 0.5, 3 rollbacks) cannot tame 1e3: a clear stop.
  auto exhausted = runGantry(trainRing8(dir / "exhausted", kDiverging + " --steps 100 --set on_divergence=rollback"));
  EXPECT_EQ(exhausted.exitCode, 3);
  EXPECT_NE(exhausted.err.find("(rollback 3 of at most 3)"), std::string::npos) << exhausted.err;
  EXPECT_NE(exhausted.err.find("gantry: error: training diverged"), std::string::npos) << exhausted.err;
  EXPECT_NE(exhausted.err.find("3 rollbacks did not help"), std::string::npos) << exhausted.err;
  expectNoNonFiniteCheckpoint(dir / "exhausted", dir.path());
}

TEST(ReliabilityTest, NonFiniteModelsAndSampleFilesAreRefused) {
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 20"));
  const gantry::app::RunFolder folder{run};
  const auto config = gantry::app::readRunConfig(folder);
  auto trainer = gantry::app::buildTrainer(config);
  gantry::train::CheckpointReader(folder.checkpoint()).restore(*trainer);
  {
    torch::NoGradGuard noGrad;
    trainer->generator().parameters()[0].view(-1)[0] = std::nan("");
  }
  EXPECT_THROW(gantry::train::writeCheckpoint(folder.checkpoint(), *trainer, config.toToml()), gantry::train::Diverged);

  // What gantry before the divergence guard wrote for a diverged run: the
  // checkpoint's own keys around NaN weights.
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("gantry-checkpoint")));
  archive.write("version", c10::IValue(gantry::train::kCheckpointVersion));
  archive.write("config", c10::IValue(config.toToml()));
  archive.write("generator_classes", c10::IValue(int64_t{0}));
  trainer->save(archive);
  gantry::train::writeArchiveAtomic(folder.checkpoint(), archive);
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 10 --out " + quoted(dir / "s.npy")),
                     "NaN or infinite weights");
  expectOneLineError(runGantry("eval --run " + quoted(run) + " --metrics modes --out " + quoted(dir / "m.json")),
                     "NaN or infinite weights");

  // A sample file with a NaN: no metric scores it.
  auto samples = torch::randn({100, 2});
  samples[3][1] = std::nan("");
  gantry::io::writeNpy(dir / "nan.npy", samples);
  expectOneLineError(runGantry("eval --samples " + quoted(dir / "nan.npy") + " --dataset ring8 --metrics modes --out " +
                               quoted(dir / "m.json")),
                     "NaN or infinite values");
  // Finite in float64, infinite in the float32 gantry computes in: named as such.
  auto large = torch::randn({100, 2}, torch::kFloat64);
  large[5][0] = 1e39;
  gantry::io::writeNpy(dir / "large.npy", large);
  expectOneLineError(runGantry("eval --samples " + quoted(dir / "large.npy") +
                               " --dataset ring8 --metrics modes --out " + quoted(dir / "m.json")),
                     "as large as 1e+39, beyond float32's range");
}

TEST(ReliabilityTest, HostileCommandLinesGetOneLineAndLeaveNoFolder) {
  TempDir dir;
  const auto run = dir / "run";
  expectOneLineError(runGantry("frobnicate"), "unknown command 'frobnicate'; the commands are train, sample");
  // An empty value (an unset shell variable) is not taken for the default.
  expectOneLineError(runGantry("train --preset '' --steps 10 --quiet --out " + quoted(run)),
                     "option --preset of gantry train was given an empty value");
  expectOneLineError(runGantry("train --preset ring8 --steps 10 --quiet --out ''"), "option --out");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set g_hidden=128,,128")), "'g_hidden'");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set image_size=1000000")), "'image_size'");
  // The preset is where the values came from: a label over other values
  // would mislabel the run.
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set preset=mnist-mlp")), "give it with --preset");
  // Refused, not clamped to the largest 64-bit integer.
  expectOneLineError(runGantry(trainRing8(run, "--steps 99999999999999999999")), "out of range of a 64-bit integer");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set threads=100000")), "hardware threads");
  // A rate float32 cannot hold (Adam and RMSprop stopped on it with
  // LibTorch's own text).
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set lr_g=1e39")), "'lr_g'");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set optimizer=rmsprop --set lr_d=1e39")), "'lr_d'");
  // Sizes beyond the machine's memory, refused before the folder is made:
  // by the estimate, or by the allocation that fails.
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set batch_size=1000000000")), "'batch_size' needs");
  // Refused by what a step keeps for the backward, where the widest layer
  // times the batch (G's projection to 1,024 maps of 7 x 7: 50,176 floats a
  // sample) would fit: dcgan-mnist 512 wide keeps 1,372·512 + 2,354 floats
  // a sample (RunSetupTest has the closed form), a batch of twice the
  // machine's memory by it.
  const int64_t memory = gantry::physicalMemory();
  const int64_t convBatch = memory * 2 / (4 * (1372 * 512 + 2354));
  if (convBatch <= 60'000)  // MNIST's training images
    expectOneLineError(runGantry("train --preset dcgan-mnist --quiet --steps 1 --set sample_every=0 "
                                 "--set dcgan_g_width=512 --set dcgan_d_width=512 --set batch_size=" +
                                 std::to_string(convBatch) + " --out " + quoted(run)),
                       "'batch_size' needs");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set sample_count=100000000000")), "'sample_count'");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set eval_every=5 --set eval_samples=10000000000")),
                     "'eval_samples'");
  // Parameters of twice the machine's memory by the estimate (8 bytes of
  // state per weight byte; G's first layer has 128 outputs), a quarter of
  // it really allocated by the time the estimate is made.
  expectOneLineError(
      runGantry(trainRing8(run, "--steps 10 --set latent_dim=" + std::to_string(memory / (128 * 4 * 8) * 2))),
      "'latent_dim, g_hidden, d_hidden' need at least");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set latent_dim=100000000000")),
                     "'latent_dim' (--set) must be in [1, 2147483647]");
  // Each size at most 2^31 - 1, products of three past 64 bits.
  expectOneLineError(runGantry(trainRing8(run,
                                          "--steps 10 --set minibatch_kernels=2147483647 "
                                          "--set minibatch_kernel_dim=2147483647")),
                     "minibatch_kernels");
  expectOneLineError(runGantry(trainRing8(run, "--steps 10 --set eval_metrics=modes,bogus")), "unknown metric 'bogus'");
  EXPECT_FALSE(fs::exists(run)) << "a failed start left a run folder";
  // Into a folder that exists and is empty, refused after its lock is
  // taken: the folder stays empty.
  const auto existing = dir / "existing";
  fs::create_directory(existing);
  expectOneLineError(runGantry(trainRing8(existing, "--steps 10 --set batch_size=1000000000")), "'batch_size' needs");
  EXPECT_TRUE(fs::is_empty(existing)) << "a failed start left a file in the folder";
}

TEST(ReliabilityTest, OutputPathsAndSampleCountsAreCheckedBeforeTheWork) {
  // Each was "internal error" after the work (a classifier trained for
  // minutes), or ran for minutes (-n 1e13, drawn in chunks until memory ran out).
  TempDir dir;
  const auto run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(trainedRing8(run, "--steps 20"));
  const auto file = dir / "file";
  gantry::test::writeFile(file, "not a folder");
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 9999999999999 --out " + quoted(dir / "s.npy")),
                     "9999999999999 samples need at least");
  expectOneLineError(runGantry("sample --run " + quoted(run) + " -n 5 --out " + quoted(file / "s.npy")),
                     "cannot create folder");
  expectOneLineError(
      runGantry("eval --run " + quoted(run) + " --metrics modes --quiet --out " + quoted(file / "e.json")),
      "cannot create folder");
  expectOneLineError(runGantry("classifier train --dataset mnist --quiet --out " + quoted(file / "c.pt")),
                     "cannot create folder");
}

TEST(ReliabilityTest, KeysPrintsEveryTypeWhole) {
  // `gantry keys` once cut its type column ("an integ", "true or ").
  auto keys = runGantry("keys");
  ASSERT_EQ(keys.exitCode, 0) << keys.err;
  std::istringstream lines(keys.out);
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0) continue;  // section headers
    std::istringstream fields(line);
    std::string key, type;
    fields >> key >> type;
    EXPECT_TRUE(type == "integer" || type == "number" || type == "string" || type == "bool" || type == "list")
        << "key " << key << ": type '" << type << "'";
    ++rows;
  }
  EXPECT_GT(rows, 50);
}

TEST(ReliabilityTest, AFirstStepOutOfMemoryTakesTheNewFolderWithIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit below";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit below";
#endif
#endif
  // 6 GB of address space: the memory estimate (against the machine's
  // memory; ring8 keeps 1,160 floats a sample in a step by it, 4,640 bytes)
  // lets through a batch of half the machine's memory, and the first step
  // fails allocating (from 2.5 million samples on, 11.6 GB by the estimate).
  const int64_t memory = gantry::physicalMemory();
  const int64_t batch = memory / 2 / 4640;
  if (batch < 2'500'000) GTEST_SKIP() << "this machine's memory lets the estimate refuse every batch that fails";
  TempDir dir;
  const auto run = dir / "run";
  expectOneLineError(gantry::test::runCommand("ulimit -v 6000000; " + std::string(GANTRY_BIN) + " " +
                                              trainRing8(run, "--steps 10 --set batch_size=" + std::to_string(batch))),
                     "out of memory");
  EXPECT_FALSE(fs::exists(run)) << "the folder of a start that failed in its first step is still there";
  // A folder that was there before keeps what it held, and only that, so
  // that a corrected start goes on there (before, its config.toml stayed
  // and the next start was refused as "already holds a run").
  const auto existing = dir / "existing";
  fs::create_directories(existing);
  gantry::test::writeFile(existing / "notes.txt", "mine");
  expectOneLineError(
      gantry::test::runCommand("ulimit -v 6000000; " + std::string(GANTRY_BIN) + " " +
                               trainRing8(existing, "--steps 10 --set batch_size=" + std::to_string(batch))),
      "out of memory");
  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(existing)) left.push_back(entry.path().filename());
  EXPECT_EQ(left, std::vector<fs::path>{"notes.txt"});
  ASSERT_NO_FATAL_FAILURE(trainedRing8(existing, "--steps 10"));
}

TEST(ReliabilityTest, ASignalIgnoredAtStartStaysIgnored) {
  // nohup starts a program with SIGHUP ignored: a closed terminal must not
  // stop it. Children inherit an ignored signal across exec: so do the ranks
  // of --nproc, whose launcher used to catch it and pass it on (its run
  // stopped with status 129).
  for (const bool launched : {false, true}) {
    SCOPED_TRACE(launched ? "--nproc 2" : "one process");
    TempDir dir;
    const auto run = dir / "run";
    std::vector<std::string> args = {"train",        "--preset", "ring8",          "--steps", "1000000", "--set",
                                     "log_every=10", "--set",    "sample_every=0", "--quiet", "--out",   run.string()};
    if (launched) args.insert(args.end(), {"--nproc", "2"});
    auto previous = std::signal(SIGHUP, SIG_IGN);
    const pid_t child = gantry::test::spawnGantry(args, dir / "out", dir / "err");
    std::signal(SIGHUP, previous);
    ASSERT_GT(child, 0);
    const bool started = waitForFile(run / "metrics.jsonl", child);
    if (!started) kill(child, SIGKILL);
    ASSERT_TRUE(started) << gantry::test::readFile(dir / "err");
    ASSERT_EQ(kill(child, SIGHUP), 0);
    EXPECT_FALSE(gantry::test::waitFor(child, 2.0)) << "SIGHUP stopped a run started with it ignored";
    ASSERT_EQ(kill(child, SIGINT), 0);
    auto status = gantry::test::waitFor(child, 120);
    if (!status) kill(child, SIGKILL);
    ASSERT_TRUE(status && WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 130);
  }
}

/// The processes whose parent is `parent` (/proc/<pid>/stat's fourth field).
std::vector<pid_t> childrenOf(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) continue;
    std::istringstream rest(line.substr(line.rfind(')') + 1));  // the name may hold spaces
    std::string state;
    pid_t ppid = 0;
    if (rest >> state >> ppid && ppid == parent) children.push_back(std::stoi(name));
  }
  return children;
}

TEST(ReliabilityTest, RanksStopWhenTheirLauncherIsKilled) {
  // A launcher killed with SIGKILL cannot pass the stop on: its ranks used
  // to train on without it. The kernel now sends them SIGTERM, and they stop
  // as on a forwarded one: status 143, the checkpoint saved. The orphans
  // come to this process (a subreaper), so that their statuses can be read.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  TempDir dir;
  const auto run = dir / "run";
  const pid_t launcher =
      gantry::test::spawnGantry({"train", "--preset", "ring8", "--steps", "1000000", "--set", "log_every=10", "--set",
                                 "sample_every=0", "--quiet", "--out", run.string(), "--nproc", "2"},
                                dir / "out", dir / "err");
  ASSERT_GT(launcher, 0);
  const bool started = waitForFile(run / "metrics.jsonl", launcher);
  if (!started) kill(launcher, SIGKILL);
  ASSERT_TRUE(started) << gantry::test::readFile(dir / "err");
  const auto ranks = childrenOf(launcher);
  ASSERT_EQ(ranks.size(), 2u);
  ASSERT_EQ(kill(launcher, SIGKILL), 0);
  ASSERT_TRUE(gantry::test::waitFor(launcher, 10));
  for (const pid_t rank : ranks) {
    const auto status = gantry::test::waitFor(rank, 120);
    if (!status) kill(rank, SIGKILL);
    ASSERT_TRUE(status) << "a rank trained on after its launcher was killed";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 128 + SIGTERM)
        << *status << ": " << gantry::test::readFile(dir / "err");
  }
  EXPECT_TRUE(fs::exists(run / "checkpoint.pt")) << gantry::test::readFile(dir / "err");
}
