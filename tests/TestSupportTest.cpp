// The seed vote behind the toy end-to-end tests: it must count every seed
// it runs and stop exactly when the outcome is decided.
#include <gtest/gtest.h>

#include <vector>

#include "TestSupport.h"

using gantry::test::seedsMeetingBar;

namespace {

// Runs the vote over seeds whose outcomes are given; returns (met, seeds run).
std::pair<int, std::vector<int>> vote(int needed, const std::vector<bool>& outcome) {
  std::vector<int> ran;
  int met = seedsMeetingBar(needed, static_cast<int>(outcome.size()), [&](int seed) {
    ran.push_back(seed);
    return outcome[seed - 1];
  });
  return {met, ran};
}

}  // namespace

TEST(TestSupportTest, SeedVoteStopsOnceDecidedAndCountsWhatItRan) {
  // 4 of 5: four passes in a row decide it after seed 4.
  EXPECT_EQ(vote(4, {true, true, true, true, true}), std::make_pair(4, std::vector<int>{1, 2, 3, 4}));
  // Two failures make 4 of 5 impossible: stop after the second.
  EXPECT_EQ(vote(4, {true, false, true, false, true}), std::make_pair(2, std::vector<int>{1, 2, 3, 4}));
  // A late pass still counts: 4 of 5 with seed 2 failing.
  EXPECT_EQ(vote(4, {true, false, true, true, true}), std::make_pair(4, std::vector<int>{1, 2, 3, 4, 5}));
  // 2 of 3 failing twice: below the bar.
  EXPECT_EQ(vote(2, {false, false, true}), std::make_pair(0, std::vector<int>{1, 2}));
  EXPECT_EQ(vote(2, {false, true, true}), std::make_pair(2, std::vector<int>{1, 2, 3}));
}
