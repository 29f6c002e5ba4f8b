// gantry dynamics through the trainer against the closed forms it prints
// beside its measurements, and Mescheder et al. 2018's verdicts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::readFile;
using gantry::test::runGantry;
using gantry::test::TempDir;

TEST(DynamicsTest, TheDiracTableMatchesTheClosedFormsAndThePaper) {
  TempDir dir;
  auto out = dir / "dynamics";
  auto r = runGantry("dynamics --quiet --out " + quoted(out));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto report = nlohmann::json::parse(readFile(out / "table.json"));
  EXPECT_LT(report.at("worst_spectrum_error").get<double>(), 1e-4);
  EXPECT_LT(report.at("worst_growth_error").get<double>(), 1e-4);
  // Simultaneous and alternating steps × (3 unregularised, WGAN-GP, 12 with R1 or R2, 2 with instance noise).
  EXPECT_EQ(report.at("paper_rows").get<int64_t>(), 36);
  EXPECT_EQ(report.at("paper_matches").get<int64_t>(), 36);
  int64_t closedSpectra = 0, closedGrowths = 0;
  for (const auto& s : report.at("spectra")) closedSpectra += s.contains("closed_form");
  for (const auto& run : report.at("runs")) closedGrowths += run.contains("growth_error");
  EXPECT_EQ(closedSpectra, 18) << "every game but WGAN-GP has its closed form";
  EXPECT_EQ(closedGrowths, 15 * 5) << "deterministic games with a closed form, every rule but unrolled";
  // The convergence of a few rows, by name: simultaneous steps on the
  // unregularised game diverge, R1 makes them converge, consensus converges
  // without it.
  auto find = [&](const std::string& objective, const std::string& regulariser, const std::string& rule) {
    for (const auto& run : report.at("runs"))
      if (run["objective"] == objective && run["regulariser"] == regulariser && run["rule"] == rule) return run;
    ADD_FAILURE() << objective << " " << regulariser << " " << rule;
    return nlohmann::json();
  };
  EXPECT_FALSE(find("nonsaturating", "none", "simultaneous")["converges"].get<bool>());
  // On the bilinear game the radius grows by exactly √(1 + η²) per step: √2 (1.01)^250.
  EXPECT_NEAR(find("wgan", "none", "simultaneous")["final_distance"].get<double>(),
              std::sqrt(2.0) * std::pow(1.01, 250), 1e-3 * std::sqrt(2.0) * std::pow(1.01, 250));
  EXPECT_TRUE(find("nonsaturating", "r1 gamma=0.3", "simultaneous")["converges"].get<bool>());
  EXPECT_TRUE(find("wgan", "none", "consensus")["converges"].get<bool>());
  EXPECT_FALSE(find("wgan", "none", "alternating")["converges"].get<bool>());
  EXPECT_TRUE(std::filesystem::exists(out / "table.md"));
  EXPECT_TRUE(std::filesystem::exists(out / "portrait-nonsaturating-r1-gamma-0.3.png"));
  EXPECT_GT(std::filesystem::file_size(out / "portrait-wgan-none.png"), 10000u);
}
