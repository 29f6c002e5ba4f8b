#pragma once

#include <type_traits>
#include <utility>

namespace gantry {

/// Two independent pieces of work at once: `side` on a helper thread while
/// the caller runs `main`; returns when both are done. An exception thrown by
/// either is rethrown here (main's first).
///
/// Why: a small model's matrix products (ring8: 128 x 128) are too small for
/// OpenBLAS to split over two cores, so it runs them on one and the other
/// core idles. A layer's weight and input gradients, or D's passes over the
/// real and the generated batch, are independent products: each stays the
/// same single-threaded BLAS call, so the results are bit for bit those of
/// running them one after the other.
///
/// The side task always runs with gradient recording off, wherever it runs:
/// a graph built on another thread would take that thread's sequence
/// numbers, and so change the order of autograd's work. Give it work that
/// records nothing (an optimizer step, products inside an autograd Function);
/// the caller's task may record.
///
/// The helper spins briefly between tasks (a wake-up from sleep costs more
/// than the products it would overlap), yielding its core to any thread that
/// wants it, and then sleeps. A side task the helper has not started by the
/// time `main` is done runs on the caller instead (its core may be busy with
/// another process). Both tasks run on the caller, main first, when
/// overlapping is off, when called from inside overlapped work, or when
/// another thread is using the helper.
void runOverlapped(void (*side)(void*), void* sideArg, void (*main)(void*), void* mainArg);

template <typename Side, typename Main>
void overlapped(Side&& side, Main&& main) {
  auto call = [](void* f) { (*static_cast<std::remove_reference_t<Side>*>(f))(); };
  auto callMain = [](void* f) { (*static_cast<std::remove_reference_t<Main>*>(f))(); };
  runOverlapped(call, const_cast<void*>(static_cast<const void*>(&side)), callMain,
                const_cast<void*>(static_cast<const void*>(&main)));
}

/// Whether overlapped() uses its helper thread (off: everything runs on the
/// caller, one piece after the other). Off by default; turn it on only when
/// a core is free for the helper, i.e. when the BLAS runs single-threaded.
void setOverlap(bool enabled);
bool overlapEnabled();

}  // namespace gantry
