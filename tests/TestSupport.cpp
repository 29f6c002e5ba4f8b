#include "TestSupport.h"

#include <torch/torch.h>

#include <sys/wait.h>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

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

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

void expectOneLineError(const CommandResult& r, const std::string& needle) {
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.exitCode, -1) << "killed by a signal";
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line: " << r.err;
  EXPECT_EQ(r.err.rfind("gantry: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
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

}  // namespace gantry::test
