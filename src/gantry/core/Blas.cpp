#include "gantry/core/Blas.h"

#include <dlfcn.h>

#include <algorithm>
#include <thread>

namespace gantry {

namespace {

template <typename Function>
Function openBlasEntry(const char* name) {
  // Looked up in the process rather than linked: libblas.so.3 may be any BLAS.
  return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
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

int hardwareThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace gantry
