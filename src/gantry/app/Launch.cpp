#include "gantry/app/Launch.h"

#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace gantry::app {

namespace {

std::atomic<int> gForward{0};

/// The environment variable by which a supervised process knows its
/// supervisor's pid (followSupervisor).
constexpr const char* kSupervisor = "GANTRY_SUPERVISOR";

void onSignal(int signal) { gForward = signal; }

pid_t spawn(const std::vector<std::string>& arguments, const std::vector<std::string>& environment,
            const std::string& name) {
  std::vector<char*> argv, envp;
  for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (const int error = ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data()))
    throw UserError(fmt::format("cannot start {} ({})", name, std::strerror(error)));
  return pid;
}

std::string describe(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

}  // namespace

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw UserError(fmt::format("--nproc: cannot open a socket ({})", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw UserError(fmt::format("--nproc: no free port on 127.0.0.1 ({})", std::strerror(errno)));
  return ntohs(address.sin_port);
}

std::vector<std::string> shareEnvironment(int processes) {
  std::vector<std::string> environment;
  bool threadsSet = false;
  for (char** e = environ; *e; ++e) {
    environment.emplace_back(*e);
    threadsSet = threadsSet || environment.back().rfind("OMP_NUM_THREADS=", 0) == 0;
  }
  if (!threadsSet)
    environment.push_back(fmt::format("OMP_NUM_THREADS={}", std::max<int64_t>(1, availableCores() / processes)));
  return environment;
}

namespace {
constexpr std::array<int, 3> kStopSignals = {SIGINT, SIGTERM, SIGHUP};
}  // namespace

StopSignals::StopSignals(void (*handler)(int)) {
  for (int signal : kStopSignals) {
    previous_.push_back(std::signal(signal, handler));
    if (previous_.back() == SIG_IGN) std::signal(signal, SIG_IGN);
  }
}

StopSignals::~StopSignals() {
  for (size_t i = 0; i < kStopSignals.size(); ++i) std::signal(kStopSignals[i], previous_[i]);
}

void followSupervisor() {
  const char* value = std::getenv(kSupervisor);
  if (value == nullptr) return;
  const std::string text = value;
  ::unsetenv(kSupervisor);  // not for what this process starts in turn
  pid_t supervisor = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), supervisor);
  if (error != std::errc() || end != text.data() + text.size() || supervisor <= 1) return;
#ifdef __linux__
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  // Gone before the request above: it would never come.
  if (::getppid() != supervisor) std::_Exit(128 + SIGTERM);
}

int superviseProcesses(const std::vector<std::vector<std::string>>& arguments,
                       const std::vector<std::string>& sharedEnvironment,
                       const std::function<std::string(size_t)>& name) {
  gForward = 0;
  StopSignals forwarded(onSignal);
  auto environment = sharedEnvironment;
  environment.push_back(fmt::format("{}={}", kSupervisor, ::getpid()));

  std::vector<pid_t> pids;
  for (size_t i = 0; i < arguments.size(); ++i) {
    std::vector<std::string> argv = {"gantry"};
    argv.insert(argv.end(), arguments[i].begin(), arguments[i].end());
    try {
      pids.push_back(spawn(argv, environment, name(i)));
    } catch (const UserError&) {
      for (pid_t pid : pids) ::kill(pid, SIGKILL);  // ranks would wait for the missing one
      throw;
    }
  }

  using Clock = std::chrono::steady_clock;
  int result = 0;
  size_t alive = pids.size();
  std::optional<Clock::time_point> killAt;
  auto stopOthers = [&] {
    for (pid_t pid : pids)
      if (pid > 0) ::kill(pid, SIGTERM);
    killAt = Clock::now() + std::chrono::seconds(60);
  };
  while (alive > 0) {
    if (const int signal = gForward.exchange(0))
      for (pid_t pid : pids)
        if (pid > 0) ::kill(pid, signal);
    if (killAt && Clock::now() > *killAt)
      for (pid_t pid : pids)
        if (pid > 0) ::kill(pid, SIGKILL);
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0) break;
    const auto at = std::find(pids.begin(), pids.end(), pid);
    if (at == pids.end()) continue;
    const auto index = static_cast<size_t>(at - pids.begin());
    *at = -1;
    --alive;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0 || result != 0) continue;
    result = code;
    // A process that failed said why; one that was killed could not.
    if (WIFSIGNALED(status))
      std::cerr << fmt::format("gantry: {} {}; stopping the others\n", name(index), describe(status));
    stopOthers();
  }
  return result;
}

int launchRanks(const std::vector<std::string>& arguments, int nproc) {
  const std::string master = fmt::format("127.0.0.1:{}", freeLoopbackPort());
  std::vector<std::vector<std::string>> ranks;
  for (int rank = 0; rank < nproc; ++rank) {
    auto argv = arguments;
    for (const auto& a : {std::string("--rank"), std::to_string(rank), std::string("--world-size"),
                          std::to_string(nproc), std::string("--master"), master})
      argv.push_back(a);
    if (rank > 0) argv.emplace_back("--quiet");  // one progress line, rank 0's
    ranks.push_back(std::move(argv));
  }
  return superviseProcesses(ranks, shareEnvironment(nproc),
                            [nproc](size_t rank) { return fmt::format("rank {} of {}", rank, nproc); });
}

}  // namespace gantry::app
