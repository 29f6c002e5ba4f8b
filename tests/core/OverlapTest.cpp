#include "gantry/core/Overlap.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using gantry::overlapped;

namespace {

/// The caller claims a side task the helper has not started once its own
/// task is done; a main task that waits until the side task has started
/// makes the helper take it. No deadline: the helper is a live thread that
/// takes every posted task it finds unclaimed, so the wait ends however
/// slowly the machine schedules it (and a broken helper hangs the test
/// until ctest's timeout, which fails it).
void awaitStart(const std::atomic<bool>& started) {
  while (!started.load()) std::this_thread::yield();
}

}  // namespace

TEST(OverlapTest, RunsTheSideTaskOnAnotherThreadBesideTheCallersTask) {
  torch::NoGradGuard noGrad;
  std::thread::id sideThread, mainThread;
  int sideRuns = 0, mainRuns = 0;
  for (int i = 0; i < 3; ++i) {
    std::atomic<bool> started{false};
    overlapped(
        true,
        [&] {
          started = true;
          sideThread = std::this_thread::get_id();
          ++sideRuns;
        },
        [&] {
          mainThread = std::this_thread::get_id();
          ++mainRuns;
          awaitStart(started);
        });
  }
  EXPECT_EQ(sideRuns, 3);
  EXPECT_EQ(mainRuns, 3);
  EXPECT_EQ(mainThread, std::this_thread::get_id());
  EXPECT_NE(sideThread, std::this_thread::get_id());
}

TEST(OverlapTest, RunsBothOnTheCallerWhenOff) {
  std::thread::id sideThread;
  overlapped(
      false, [&] { sideThread = std::this_thread::get_id(); }, [] {});
  EXPECT_EQ(sideThread, std::this_thread::get_id());
}

TEST(OverlapTest, TheSideTaskNeverRecordsGradients) {
  // A graph built on another thread would change autograd's order; the
  // caller's own task records as usual.
  for (bool on : {true, false}) {
    torch::AutoGradMode recording(true);
    auto w = torch::ones({2}, torch::requires_grad());
    torch::Tensor sideResult, mainResult;
    bool sideRecording = true;
    overlapped(
        on,
        [&] {
          sideRecording = torch::GradMode::is_enabled();
          sideResult = w * 2;
        },
        [&] { mainResult = w * 3; });
    EXPECT_FALSE(sideRecording);
    EXPECT_FALSE(sideResult.requires_grad());
    EXPECT_TRUE(mainResult.requires_grad());
    EXPECT_TRUE(torch::GradMode::is_enabled()) << "the caller's mode is left as it was";
  }
}

TEST(OverlapTest, NestedCallsRunSeriallyWhereTheyAre) {
  torch::NoGradGuard noGrad;
  const auto caller = std::this_thread::get_id();
  std::thread::id helper, innerOfSide, innerOfMain;
  std::atomic<bool> started{false};
  overlapped(
      true,
      [&] {
        started = true;
        helper = std::this_thread::get_id();
        overlapped(
            true, [&] { innerOfSide = std::this_thread::get_id(); }, [] {});
      },
      [&] {
        overlapped(
            true, [&] { innerOfMain = std::this_thread::get_id(); }, [] {});
        awaitStart(started);
      });
  EXPECT_NE(helper, caller);
  EXPECT_EQ(innerOfSide, helper);
  EXPECT_EQ(innerOfMain, caller);
}

TEST(OverlapTest, EverySideTaskRunsExactlyOnceWhoeverClaimsIt) {
  // Trivial main tasks: the caller often claims the side task before the
  // helper does; either way it runs once, and before overlapped returns.
  std::atomic<int> runs{0};
  for (int i = 0; i < 2000; ++i) {
    overlapped(
        true, [&] { ++runs; }, [] {});
    ASSERT_EQ(runs.load(), i + 1);
  }
}

TEST(OverlapTest, ExceptionsOfEitherTaskReachTheCaller) {
  torch::NoGradGuard noGrad;
  bool mainRan = false;
  EXPECT_THROW(overlapped(
                   true, [] { throw std::runtime_error("side failed"); }, [&] { mainRan = true; }),
               std::runtime_error);
  EXPECT_TRUE(mainRan);
  bool sideRan = false;
  try {
    overlapped(
        true, [&] { sideRan = true; }, [] { throw std::invalid_argument("main failed"); });
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "main failed");
  }
  EXPECT_TRUE(sideRan) << "the caller must wait for the side task even when its own task throws";
  // The helper still works afterwards.
  int value = 0;
  overlapped(
      true, [&] { value += 1; }, [&] { value += 10; });
  EXPECT_EQ(value, 11);
}

TEST(OverlapTest, MatrixProductsOnBothThreadsGiveTheSerialBits) {
  torch::NoGradGuard noGrad;
  torch::manual_seed(1);
  auto a = torch::randn({128, 128}), b = torch::randn({128, 128}), c = torch::randn({64, 128});
  torch::Tensor x, y, x2, y2;
  {
    overlapped(
        true, [&] { x = a.mm(b); }, [&] { y = c.mm(b.t()); });
  }
  x2 = a.mm(b);
  y2 = c.mm(b.t());
  EXPECT_TRUE(torch::equal(x, x2));
  EXPECT_TRUE(torch::equal(y, y2));
}
