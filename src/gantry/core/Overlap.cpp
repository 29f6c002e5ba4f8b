#include "gantry/core/Overlap.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

namespace gantry {

namespace {

thread_local bool insideOverlap = false;

/// Spin-waiting that gives the core away when another thread wants it: on
/// an idle core sched_yield returns at once; on a busy one (another training
/// beside this one) it lets that thread run instead of burning its time.
class PoliteSpin {
 public:
  void pause() {
    if (++count_ % 64 == 0)
      sched_yield();
    else
      _mm_pause();
  }

 private:
  uint32_t count_ = 0;
};

/// One helper thread, started on first use and never stopped (it sleeps
/// when idle; joining it from a static destructor would race with LibTorch's
/// own teardown). A posted task is claimed by whichever thread gets to it
/// first: the helper, or the caller once its own task is done. So when the
/// helper is not running (its core busy with another process) the caller
/// does the work itself instead of waiting for it.
class Helper {
 public:
  static Helper& instance() {
    static Helper* helper = new Helper();
    return *helper;
  }

  /// Serialises callers: the helper runs one task at a time.
  std::mutex& user() { return user_; }

  /// Returns the task's sequence number.
  uint64_t post(void (*task)(void*), void* arg) {
    task_ = task;
    arg_ = arg;
    error_ = nullptr;
    const uint64_t sequence = posted_.load(std::memory_order_relaxed) + 1;
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      posted_.store(sequence, std::memory_order_release);
      wake = sleeping_;
    }
    if (wake) wakeUp_.notify_one();
    return sequence;
  }

  /// Claims task `sequence` for the calling thread: false if taken already.
  bool claim(uint64_t sequence) {
    uint64_t expected = sequence - 1;
    return claimed_.compare_exchange_strong(expected, sequence, std::memory_order_acq_rel);
  }

  /// Waits until the helper has finished task `sequence`; its exception.
  std::exception_ptr waitFor(uint64_t sequence) {
    PoliteSpin spin;
    while (finished_.load(std::memory_order_acquire) != sequence) spin.pause();
    return error_;
  }

 private:
  Helper() : thread_([this] { loop(); }) { thread_.detach(); }

  void loop() {
    insideOverlap = true;
    c10::AutoGradMode noGrad(false);
    uint64_t seen = 0;
    for (;;) {
      awaitTask(seen);
      seen = posted_.load(std::memory_order_acquire);
      if (!claim(seen)) continue;  // the caller did it
      try {
        task_(arg_);
      } catch (...) {
        error_ = std::current_exception();
      }
      finished_.store(seen, std::memory_order_release);
    }
  }

  void awaitTask(uint64_t seen) {
    // Tasks come in bursts, a few per training step; waking from sleep
    // takes tens of µs. Spin through gaps of a small model's step (ring8:
    // up to ~0.4 ms; with a 0.5 ms budget the helper slept through some and
    // a step took 4% longer), sleep when training pauses or ends.
    constexpr auto spinFor = std::chrono::milliseconds(2);
    auto start = std::chrono::steady_clock::now();
    PoliteSpin spin;
    for (uint32_t i = 1;; ++i) {
      if (posted_.load(std::memory_order_acquire) != seen) return;
      spin.pause();
      if (i % 256 == 0 && std::chrono::steady_clock::now() - start > spinFor) break;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_ = true;
    wakeUp_.wait(lock, [&] { return posted_.load(std::memory_order_acquire) != seen; });
    sleeping_ = false;
  }

  std::mutex user_;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool sleeping_ = false;
  std::atomic<uint64_t> posted_{0};
  std::atomic<uint64_t> claimed_{0};
  std::atomic<uint64_t> finished_{0};
  void (*task_)(void*) = nullptr;
  void* arg_ = nullptr;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

void runOverlapped(bool enabled, void (*side)(void*), void* sideArg, void (*main)(void*), void* mainArg) {
  if (!enabled || insideOverlap) {
    main(mainArg);
    c10::AutoGradMode noGrad(false);  // as on the helper
    side(sideArg);
    return;
  }
  auto& helper = Helper::instance();
  std::unique_lock<std::mutex> lock(helper.user(), std::try_to_lock);
  if (!lock.owns_lock()) {
    main(mainArg);
    c10::AutoGradMode noGrad(false);
    side(sideArg);
    return;
  }
  const uint64_t sequence = helper.post(side, sideArg);
  std::exception_ptr mainError, sideError;
  insideOverlap = true;
  try {
    main(mainArg);
  } catch (...) {
    mainError = std::current_exception();
  }
  if (helper.claim(sequence)) {
    // The helper has not started it: do it here rather than wait.
    try {
      c10::AutoGradMode noGrad(false);
      side(sideArg);
    } catch (...) {
      sideError = std::current_exception();
    }
  } else {
    sideError = helper.waitFor(sequence);
  }
  insideOverlap = false;
  if (mainError) std::rethrow_exception(mainError);
  if (sideError) std::rethrow_exception(sideError);
}

}  // namespace gantry
