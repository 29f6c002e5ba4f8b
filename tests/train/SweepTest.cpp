#include "gantry/app/RunSettings.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Error.h"
#include "gantry/train/Sweep.h"

#include <gtest/gtest.h>

#include "TestSupport.h"

namespace {

using gantry::train::SweepPoint;

std::vector<std::pair<double, double>> pairs(const std::vector<SweepPoint>& points) {
  std::vector<std::pair<double, double>> out;  // (lr_d, lr_g)
  for (const auto& p : points) out.emplace_back(p.lr_d, p.lr_g);
  return out;
}

}  // namespace

TEST(SweepTest, AGridTakesEveryRateOfOneListWithEveryRateOfTheOther) {
  gantry::train::OptimizerSettings optimizer;
  optimizer.lr_d = 7e-4;
  optimizer.lr_g = 9e-4;
  gantry::train::SweepSettings sweep;
  EXPECT_EQ(pairs(sweepPoints(sweep, optimizer)), (std::vector<std::pair<double, double>>{{7e-4, 9e-4}}));
  sweep.sweep_lr_d = {1e-4, 1e-3};
  EXPECT_EQ(pairs(sweepPoints(sweep, optimizer)), (std::vector<std::pair<double, double>>{{1e-4, 9e-4}, {1e-3, 9e-4}}));
  sweep.sweep_lr_g = {2e-4, 3e-4, 4e-4};
  EXPECT_EQ(pairs(sweepPoints(sweep, optimizer)),
            (std::vector<std::pair<double, double>>{
                {1e-4, 2e-4}, {1e-4, 3e-4}, {1e-4, 4e-4}, {1e-3, 2e-4}, {1e-3, 3e-4}, {1e-3, 4e-4}}));
}

TEST(SweepTest, AListPairsTheEntriesAndRefusesListsOfOtherLengths) {
  gantry::train::OptimizerSettings optimizer;
  gantry::train::SweepSettings sweep;
  sweep.sweep = "list";
  sweep.sweep_lr_d = {1e-4, 1e-3};
  sweep.sweep_lr_g = {2e-4, 2e-3};
  EXPECT_EQ(pairs(sweepPoints(sweep, optimizer)), (std::vector<std::pair<double, double>>{{1e-4, 2e-4}, {1e-3, 2e-3}}));
  sweep.sweep_lr_g = {5e-4};  // one rate goes with every entry of the other
  EXPECT_EQ(pairs(sweepPoints(sweep, optimizer)), (std::vector<std::pair<double, double>>{{1e-4, 5e-4}, {1e-3, 5e-4}}));
  sweep.sweep_lr_g = {1e-4, 2e-4, 3e-4};
  auto message = gantry::test::userErrorOf([&] { sweepPoints(sweep, optimizer); });
  EXPECT_NE(message.find("'sweep_lr_d' (2 entries) and 'sweep_lr_g' (3)"), std::string::npos) << message;
}

TEST(SweepTest, ThePopulationMustHoldEverySettingEquallyOften) {
  gantry::Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, "ring8");
  config.setAssignment("sweep_lr_d=1e-4,3e-4,1e-3", "--set");
  config.setAssignment("population=4", "--set");
  auto message = gantry::test::userErrorOf([&] { gantry::app::readSettings(config); });
  EXPECT_NE(message.find("'population' = 4 is not a multiple of the sweep's 3 settings"), std::string::npos) << message;
  EXPECT_NE(message.find("population = 3"), std::string::npos) << message;
  config.setAssignment("population=6", "--set");
  EXPECT_EQ(gantry::app::readSettings(config).run.population, 6);
}

TEST(SweepTest, MemberNTrainsSettingNModCFromSeedNOverCAtItsFactor) {
  gantry::train::OptimizerSettings optimizer;
  optimizer.lr_d = 7e-4;
  optimizer.lr_g = 9e-4;
  gantry::train::SweepSettings sweep;
  sweep.sweep_lr_d = {1e-4, 1e-3};
  sweep.member_lr_factors = {1, 1, 0.5, 1, 0.25, 1};
  const auto members = gantry::train::populationMembers(sweep, optimizer, 6);
  ASSERT_EQ(members.size(), 6u);
  const std::vector<int64_t> seedOffsets = {0, 0, 1, 1, 2, 2};
  for (size_t n = 0; n < members.size(); ++n) {
    EXPECT_EQ(members[n].seedOffset, seedOffsets[n]) << n;
    EXPECT_EQ(members[n].factor, sweep.member_lr_factors[n]) << n;
    EXPECT_EQ(members[n].rates.lr_d, sweep.sweep_lr_d[n % 2] * sweep.member_lr_factors[n]) << n;
    EXPECT_EQ(members[n].rates.lr_g, 9e-4 * sweep.member_lr_factors[n]) << n;
  }
  EXPECT_TRUE(gantry::train::membersDiffer(members));
  // No sweep and no factors: every member trains at the optimizer's rates.
  const auto plain = gantry::train::populationMembers({}, optimizer, 3);
  EXPECT_FALSE(gantry::train::membersDiffer(plain));
  EXPECT_EQ(plain[2].seedOffset, 2);
}
