#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

namespace gantry {

namespace {

template <typename Function>
Function openBlasEntry(const char* name) {
  // Looked up in the process rather than linked: libblas.so.3 may be any BLAS.
  return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

/// The flags of /proc/cpuinfo's first processor (empty where there is none).
std::set<std::string> cpuFlags() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream flags(line.substr(line.find(':') + 1));
    return {std::istream_iterator<std::string>(flags), std::istream_iterator<std::string>()};
  }
  return {};
}

}  // namespace

bool setBlasThreads(int threads) {
  auto set = openBlasEntry<void (*)(int)>("openblas_set_num_threads");
  if (!set) return false;
  set(threads);
  return true;
}

int blasThreads() {
  auto get = openBlasEntry<int (*)()>("openblas_get_num_threads");
  return get ? get() : 0;
}

std::string blasKernels() {
  auto get = openBlasEntry<char* (*)()>("openblas_get_corename");
  return get ? std::string(get()) : std::string();
}

std::string fasterBlasCoretype() {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  if (coretype && *coretype) return "";  // a choice made on purpose
  std::string kernels = blasKernels();
  std::transform(kernels.begin(), kernels.end(), kernels.begin(), [](unsigned char c) { return std::tolower(c); });
  if (kernels.empty()) return "";
  // OpenBLAS's core names whose sgemm uses AVX2 with FMA or wider (Excavator: its own CPU's).
  for (const char* modern : {"haswell", "zen", "excavator", "skylakex", "cooperlake", "sapphirerapids"})
    if (kernels == modern) return "";
  const auto flags = cpuFlags();
  if (!flags.count("avx2") || !flags.count("fma")) return "";
  // SkylakeX's kernels need AVX-512's foundation and its byte/word,
  // double/quad and vector-length parts; on such CPUs they beat Haswell's.
  for (const char* part : {"avx512f", "avx512bw", "avx512dq", "avx512vl"})
    if (!flags.count(part)) return "Haswell";
  return "SkylakeX";
}

std::vector<std::string> cpuVectorExtensions() {
  const auto flags = cpuFlags();
  std::vector<std::string> found;
  for (const char* name : {"avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16"})
    if (flags.count(name)) found.emplace_back(name);
  return found;
}

int64_t physicalMemory() { return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE); }

void requireMemory(double bytes, const std::string& need, const std::string& remedy) {
  const auto memory = static_cast<double>(physicalMemory());
  if (bytes > memory)
    throw UserError(fmt::format("{} at least {:.3g} GB, more than this machine's {:.3g} GB of memory; {}", need,
                                bytes / 1e9, memory / 1e9, remedy));
}

int availableCores() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The CPUs this process may run on: `taskset`, a container's cpuset.
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) cores = std::max(1, CPU_COUNT(&allowed));
  // OMP_NUM_THREADS (its first value, "4" of "4,2"): the budget LibTorch and
  // OpenBLAS take by default, and the way to share a machine among several
  // runs (a seed sweep, ctest -j): auto threads would otherwise spin on
  // cores another run is using.
  if (const char* budget = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(budget, &end, 10);
    if (end != budget && (*end == '\0' || *end == ',') && n > 0) cores = static_cast<int>(std::min<long>(cores, n));
  }
  return cores;
}

std::string cpuName() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown CPU";
}

}  // namespace gantry
