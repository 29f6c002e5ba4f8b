#pragma once

#include <string>
#include <vector>

namespace gantry::app {

/// `gantry train --nproc N ...`: runs this program N times on this machine,
/// each with the same arguments and `--rank i --world-size N --master
/// 127.0.0.1:PORT` (a free port), ranks above 0 quiet, OpenBLAS and LibTorch
/// given the machine's cores / N threads each unless OMP_NUM_THREADS says
/// otherwise. Waits for all; when one fails or is killed, stops the others
/// (SIGTERM, then SIGKILL after 60 s) and returns its status. Signals it
/// receives go on to the ranks. `arguments` are those after the program's
/// name, without --nproc.
int launchRanks(const std::vector<std::string>& arguments, int nproc);

}  // namespace gantry::app
