#include "gantry/core/Overlap.h"

#include "TestOverlap.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using gantry::overlapped;
using gantry::test::OverlapScope;

namespace {

/// The caller claims a side task the helper has not started once its own
/// task is done; a main task that waits for the side task to start (up to
/// a second) makes the helper take it.
void awaitStart(const std::atomic<bool>& started) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!started.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
}

}  // namespace

TEST(OverlapTest, RunsTheSideTaskOnAnotherThreadBesideTheCallersTask) {
  OverlapScope on(true);
  torch::NoGradGuard noGrad;
  std::thread::id sideThread, mainThread;
  int sideRuns = 0, mainRuns = 0;
  for (int i = 0; i < 3; ++i) {
    std::atomic<bool> started{false};
    overlapped(
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
  OverlapScope off(false);
  std::thread::id sideThread;
  overlapped([&] { sideThread = std::this_thread::get_id(); }, [] {});
  EXPECT_EQ(sideThread, std::this_thread::get_id());
}

TEST(OverlapTest, TheSideTaskNeverRecordsGradients) {
  // A graph built on another thread would change autograd's order; the
  // caller's own task records as usual.
  for (bool on : {true, false}) {
    OverlapScope scope(on);
    torch::AutoGradMode recording(true);
    auto w = torch::ones({2}, torch::requires_grad());
    torch::Tensor sideResult, mainResult;
    bool sideRecording = true;
    overlapped(
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
  OverlapScope on(true);
  torch::NoGradGuard noGrad;
  const auto caller = std::this_thread::get_id();
  std::thread::id helper, innerOfSide, innerOfMain;
  std::atomic<bool> started{false};
  overlapped(
      [&] {
        started = true;
        helper = std::this_thread::get_id();
        overlapped([&] { innerOfSide = std::this_thread::get_id(); }, [] {});
      },
      [&] {
        overlapped([&] { innerOfMain = std::this_thread::get_id(); }, [] {});
        awaitStart(started);
      });
  EXPECT_NE(helper, caller);
  EXPECT_EQ(innerOfSide, helper);
  EXPECT_EQ(innerOfMain, caller);
}

TEST(OverlapTest, EverySideTaskRunsExactlyOnceWhoeverClaimsIt) {
  // Trivial main tasks: the caller often claims the side task before the
  // helper does; either way it runs once, and before overlapped returns.
  OverlapScope on(true);
  std::atomic<int> runs{0};
  for (int i = 0; i < 2000; ++i) {
    overlapped([&] { ++runs; }, [] {});
    ASSERT_EQ(runs.load(), i + 1);
  }
}

TEST(OverlapTest, ExceptionsOfEitherTaskReachTheCaller) {
  OverlapScope on(true);
  torch::NoGradGuard noGrad;
  bool mainRan = false;
  EXPECT_THROW(overlapped([] { throw std::runtime_error("side failed"); }, [&] { mainRan = true; }),
               std::runtime_error);
  EXPECT_TRUE(mainRan);
  bool sideRan = false;
  try {
    overlapped([&] { sideRan = true; }, [] { throw std::invalid_argument("main failed"); });
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "main failed");
  }
  EXPECT_TRUE(sideRan) << "the caller must wait for the side task even when its own task throws";
  // The helper still works afterwards.
  int value = 0;
  overlapped([&] { value += 1; }, [&] { value += 10; });
  EXPECT_EQ(value, 11);
}

TEST(OverlapTest, MatrixProductsOnBothThreadsGiveTheSerialBits) {
  torch::NoGradGuard noGrad;
  torch::manual_seed(1);
  auto a = torch::randn({128, 128}), b = torch::randn({128, 128}), c = torch::randn({64, 128});
  torch::Tensor x, y, x2, y2;
  {
    OverlapScope on(true);
    overlapped([&] { x = a.mm(b); }, [&] { y = c.mm(b.t()); });
  }
  x2 = a.mm(b);
  y2 = c.mm(b.t());
  EXPECT_TRUE(torch::equal(x, x2));
  EXPECT_TRUE(torch::equal(y, y2));
}
