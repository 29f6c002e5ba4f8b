#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gantry::app {

/// Catches SIGINT (Ctrl-C), SIGTERM and SIGHUP (what schedulers, `docker
/// stop` and a closed terminal send) with `handler` for its lifetime and
/// puts back what was there after. A signal ignored on purpose (nohup, a
/// background job of a shell) stays ignored, for the processes started
/// meanwhile too, which inherit it.
class StopSignals {
 public:
  explicit StopSignals(void (*handler)(int));
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  std::vector<void (*)(int)> previous_;
};

/// `gantry train --nproc N ...`: runs this program N times on this machine,
/// each with the same arguments and `--rank i --world-size N --master
/// 127.0.0.1:PORT` (a free port), ranks above 0 quiet, OpenBLAS and LibTorch
/// given the machine's cores / N threads each unless OMP_NUM_THREADS says
/// otherwise. Waits for all; when one fails or is killed, stops the others
/// (SIGTERM, then SIGKILL after 60 s) and returns its status. Signals it
/// receives go on to the ranks. `arguments` are those after the program's
/// name, without --nproc.
int launchRanks(const std::vector<std::string>& arguments, int nproc);

/// Runs this program once per list of `arguments` (those after the
/// program's name), all at once, with `environment`. Waits for all; when one
/// fails or is killed, stops the others (SIGTERM, then SIGKILL after 60 s)
/// and returns its status (0 when all succeed). Signals this process
/// receives go on to them. `name(i)` names process i in what is said of it.
int superviseProcesses(const std::vector<std::vector<std::string>>& arguments,
                       const std::vector<std::string>& environment, const std::function<std::string(size_t)>& name);

/// In a process superviseProcesses started (it names itself in the
/// environment): asks the kernel for SIGTERM when the supervisor ends, so
/// that ranks and study jobs stop, saving what they save on SIGTERM, when
/// their launcher is killed without a chance to stop them (SIGKILL, the
/// out-of-memory killer). Ends this process at once when the supervisor is
/// gone already. Does nothing in any other process.
void followSupervisor();

/// A port nobody listens on now: the kernel's pick for a socket bound to
/// port 0 of the loopback. Throws UserError when there is none.
int freeLoopbackPort();

/// This process's environment for `processes` processes sharing the
/// machine: OMP_NUM_THREADS (which gantry's auto threads and LibTorch
/// honour) set to the cores of one, unless it is set already.
std::vector<std::string> shareEnvironment(int processes);

}  // namespace gantry::app
