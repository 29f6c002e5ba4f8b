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
/// `enabled` is false, when called from inside overlapped work, or when
/// another thread is using the helper.
///
/// `enabled` is the caller's to give: a trainer decides it for its run (a
/// core must be free for the helper, i.e. the BLAS runs single-threaded) and
/// hands it to its models; nothing reads a process-wide switch.
void runOverlapped(bool enabled, void (*side)(void*), void* sideArg, void (*main)(void*), void* mainArg);

template <typename Side, typename Main>
void overlapped(bool enabled, Side&& side, Main&& main) {
  auto call = [](void* f) { (*static_cast<std::remove_reference_t<Side>*>(f))(); };
  auto callMain = [](void* f) { (*static_cast<std::remove_reference_t<Main>*>(f))(); };
  runOverlapped(enabled, call, const_cast<void*>(static_cast<const void*>(&side)), callMain,
                const_cast<void*>(static_cast<const void*>(&main)));
}

}  // namespace gantry
