#include "gantry/core/Overlap.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

namespace gantry {

namespace {

std::atomic<bool> enabled{false};
thread_local bool insideOverlap = false;

/// One helper thread, started on first use and never stopped (it sleeps
/// when idle; joining it from a static destructor would race with LibTorch's
/// own teardown).
class Helper {
 public:
  static Helper& instance() {
    static Helper* helper = new Helper();
    return *helper;
  }

  /// Serialises callers: the helper runs one task at a time.
  std::mutex& user() { return user_; }

  void post(void (*task)(void*), void* arg) {
    task_ = task;
    arg_ = arg;
    error_ = nullptr;
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      posted_.store(posted_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      wake = sleeping_;
    }
    if (wake) wakeUp_.notify_one();
  }

  /// Waits for the posted task; its exception, if any.
  std::exception_ptr wait() {
    const uint64_t target = posted_.load(std::memory_order_relaxed);
    while (finished_.load(std::memory_order_acquire) != target) _mm_pause();
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
    for (uint32_t i = 1;; ++i) {
      if (posted_.load(std::memory_order_acquire) != seen) return;
      _mm_pause();
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
  std::atomic<uint64_t> finished_{0};
  void (*task_)(void*) = nullptr;
  void* arg_ = nullptr;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

void setOverlap(bool on) { enabled.store(on, std::memory_order_relaxed); }
bool overlapEnabled() { return enabled.load(std::memory_order_relaxed); }

void runOverlapped(void (*side)(void*), void* sideArg, void (*main)(void*), void* mainArg) {
  if (!overlapEnabled() || insideOverlap) {
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
  helper.post(side, sideArg);
  std::exception_ptr mainError;
  insideOverlap = true;
  try {
    main(mainArg);
  } catch (...) {
    mainError = std::current_exception();
  }
  insideOverlap = false;
  auto sideError = helper.wait();
  if (mainError) std::rethrow_exception(mainError);
  if (sideError) std::rethrow_exception(sideError);
}

}  // namespace gantry
