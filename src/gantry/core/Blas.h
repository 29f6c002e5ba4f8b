#pragma once

namespace gantry {

/// The threads of the BLAS library LibTorch calls for matrix products on the
/// CPU. OpenBLAS (the BLAS gantry is set up with) threads each product
/// itself; these reach it through its own entry points, found at run time,
/// so that another BLAS (reference BLAS, MKL) simply reports "unknown".

/// Sets OpenBLAS's thread count; false when the loaded BLAS is not OpenBLAS.
bool setBlasThreads(int threads);
/// OpenBLAS's thread count, or 0 when the loaded BLAS is not OpenBLAS.
int blasThreads();

/// The machine's hardware threads (std::thread::hardware_concurrency), at
/// least 1: the thread count of "every core".
int hardwareThreads();

}  // namespace gantry
