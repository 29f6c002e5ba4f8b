#include "TestSupport.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/io/Npy.h"
#include "gantry/io/Png.h"

#include <torch/torch.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace gantry::test {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("gantry-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("could not create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void writeFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ScopedEnv::ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value)
    setenv(name_.c_str(), value, 1);
  else
    unsetenv(name_.c_str());
}

ScopedEnv::~ScopedEnv() {
  if (old_)
    setenv(name_.c_str(), old_->c_str(), 1);
  else
    unsetenv(name_.c_str());
}

CommandResult runCommand(const std::string& command) {
  TempDir dir;
  auto outPath = dir / "stdout";
  auto errPath = dir / "stderr";
  std::string full = command + " >'" + outPath.string() + "' 2>'" + errPath.string() + "' </dev/null";
  int status = std::system(full.c_str());
  CommandResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  return result;
}

CommandResult runGantry(const std::string& args) { return runCommand(std::string(GANTRY_BIN) + " " + args); }

pid_t spawnGantry(const std::vector<std::string>& args, const std::filesystem::path& out,
                  const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> all = {GANTRY_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, GANTRY_BIN, &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::optional<int> waitFor(pid_t pid, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

namespace {

/// Stderr without AddressSanitizer's own warnings: under
/// scripts/test --sanitize an allocation ASan cannot make returns null (as
/// malloc does) after ASan prints "==PID==WARNING: AddressSanitizer failed
/// to allocate ..." itself. Any other line, its reports included, stays.
std::string withoutSanitizerWarnings(const std::string& err) {
  std::string kept;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);)
    if (!(line.rfind("==", 0) == 0 && line.find("==WARNING: AddressSanitizer failed to allocate") != std::string::npos))
      kept += line + "\n";
  return kept;
}

}  // namespace

void expectOneLineError(const CommandResult& result, const std::string& needle) {
  EXPECT_NE(result.exitCode, 0);
  EXPECT_NE(result.exitCode, -1) << "killed by a signal";
  const std::string err = withoutSanitizerWarnings(result.err);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "not one line: " << result.err;
  EXPECT_EQ(err.rfind("gantry: error: ", 0), 0u) << result.err;
  EXPECT_NE(err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << result.err;
}

std::filesystem::path mnistRoot() {
  if (const char* env = std::getenv("GANTRY_DATA")) return std::filesystem::path(env) / "mnist";
  return std::filesystem::path(GANTRY_SOURCE_DIR) / "data" / "mnist";
}

void expectIdenticalTensors(const std::vector<torch::Tensor>& actual, const std::vector<torch::Tensor>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(actual[i].defined(), expected[i].defined()) << "tensor " << i;
    if (actual[i].defined()) EXPECT_TRUE(torch::equal(actual[i], expected[i])) << "tensor " << i;
  }
}

int seedsMeetingBar(int needed, int seeds, const std::function<bool(int seed)>& trial) {
  int met = 0;
  for (int seed = 1; seed <= seeds && met < needed && met + (seeds - seed + 1) >= needed; ++seed)
    if (trial(seed)) ++met;
  return met;
}

std::unique_ptr<train::Trainer> trainerOfPreset(const std::string& preset,
                                                const std::vector<std::string>& assignments) {
  Config config(app::trainingSchema());
  app::applyPreset(config, preset);
  for (const auto& a : assignments) config.setAssignment(a, "test");
  return app::buildTrainer(config);
}

torch::Tensor samplesOf(const std::filesystem::path& run, const std::filesystem::path& out, int64_t n, int64_t seed) {
  auto r = runGantry("sample --run " + quoted(run) + " -n " + std::to_string(n) + " --seed " + std::to_string(seed) +
                     " --out " + quoted(out));
  if (r.exitCode != 0) {
    ADD_FAILURE() << "gantry sample failed: " << r.err;
    return {};
  }
  return io::readNpy(out);
}

std::vector<double> writeImageFolder(const std::filesystem::path& root) {
  std::mt19937 rng(12345);
  std::vector<double> sum(3, 0.0);
  int64_t pixels = 0;
  for (const std::string cls : {"squares", "dusk"}) {
    std::filesystem::create_directories(root / cls);
    for (int i = 0; i < 60; ++i) {
      auto image = torch::zeros({16, 16, 3}, torch::kUInt8);
      auto acc = image.accessor<uint8_t, 3>();
      if (cls == "squares") {
        int x0 = std::uniform_int_distribution<int>(0, 10)(rng), y0 = std::uniform_int_distribution<int>(0, 10)(rng);
        for (int y = y0; y < y0 + 6; ++y)
          for (int x = x0; x < x0 + 6; ++x) {
            acc[y][x][0] = 255;
            acc[y][x][1] = 160;
          }
      } else {
        std::uniform_int_distribution<int> noise(-10, 10);
        for (int y = 0; y < 16; ++y)
          for (int x = 0; x < 16; ++x) {
            acc[y][x][0] = static_cast<uint8_t>(20 + noise(rng));
            acc[y][x][1] = static_cast<uint8_t>(30 + noise(rng));
            acc[y][x][2] = static_cast<uint8_t>(90 + noise(rng));
          }
      }
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x)
          for (int c = 0; c < 3; ++c) sum[c] += acc[y][x][c] / 255.0;
      pixels += 256;
      gantry::io::writePng(root / cls / ("img" + std::to_string(i) + ".png"), image);
    }
  }
  for (auto& s : sum) s /= static_cast<double>(pixels);
  return sum;
}

}  // namespace gantry::test
