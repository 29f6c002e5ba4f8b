#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gantry {

/// The threads of the BLAS library LibTorch calls for matrix products on the
/// CPU. OpenBLAS (the BLAS gantry is set up with) threads each product
/// itself; these reach it through its own entry points, found at run time,
/// so that another BLAS (reference BLAS, MKL) simply reports "unknown".

/// Sets OpenBLAS's thread count; false when the loaded BLAS is not OpenBLAS.
bool setBlasThreads(int threads);
/// OpenBLAS's thread count, or 0 when the loaded BLAS is not OpenBLAS.
int blasThreads();

/// The kernels OpenBLAS runs on this CPU: its core name ("Haswell",
/// "SkylakeX", ...), which OPENBLAS_CORETYPE overrides; empty when the
/// loaded BLAS is not OpenBLAS. Other kernels round differently.
std::string blasKernels();

/// When OpenBLAS runs kernels older than this CPU (it does not know the
/// processor and falls back: 0.3.21 picks its SSE3 "Prescott" kernels on
/// CPUs newer than it, such as Sapphire Rapids), the OPENBLAS_CORETYPE of
/// the newest kernels the CPU runs: "SkylakeX" (AVX-512) or "Haswell"
/// (AVX2); empty when the kernels fit the CPU, OPENBLAS_CORETYPE is set, or
/// the BLAS is not OpenBLAS. OpenBLAS reads the variable when it loads, so
/// only a new process can change it.
std::string fasterBlasCoretype();

/// The vector extensions of this CPU that decide which kernels run, of
/// avx2, fma, avx512f, avx512_bf16, amx_bf16 (/proc/cpuinfo's flags).
std::vector<std::string> cpuVectorExtensions();

/// The cores this process may use, at least 1: the CPUs of its affinity mask
/// (`taskset`, a container's cpuset), at most OMP_NUM_THREADS when that is
/// set. The thread count of "every core" for the auto thread settings.
int availableCores();

/// The machine's physical memory in bytes (what the memory checks of a
/// run's sizes compare against).
int64_t physicalMemory();

/// The one memory check of every command: a UserError when `bytes` exceed
/// physicalMemory(), worded "<need> at least X GB, more than this machine's
/// Y GB of memory; <remedy>", where `need` names the key or flag that asks
/// for the bytes ("--batch 9 needs") and `remedy` says what to lower.
void requireMemory(double bytes, const std::string& need, const std::string& remedy);

/// The CPU's model name (/proc/cpuinfo), or "unknown CPU": the machine a
/// run's figures come from (OpenBLAS picks its kernels by it).
std::string cpuName();

}  // namespace gantry
