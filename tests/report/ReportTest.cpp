// The report's data from a run folder and the page it makes, on folders
// written by hand (what each file holds is known exactly).
#include "gantry/report/Report.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "TestSupport.h"

using gantry::test::TempDir;
using gantry::test::writeFile;
using nlohmann::json;

namespace {

void writeRun(const std::filesystem::path& run, const std::string& objective, int pictures) {
  std::filesystem::create_directories(run / "samples");
  writeFile(run / "config.toml", "preset = 'ring8'\n[run]\nseed = 7\nsteps = 300\n[game]\nobjective = '" + objective +
                                     "'\npenalty = 'none'\n");
  writeFile(run / "metrics.jsonl",
            "{\"step\":100,\"d_loss\":1.25,\"g_loss\":0.5,\"elapsed_s\":1.0,\"epoch\":1}\n"
            "{\"step\":200,\"d_loss\":1.0,\"elapsed_s\":2.0,\"epoch\":2}\n"
            "{\"eval\":{\"modes\":{\"modes_captured\":5,\"modes_total\":8,\"samples\":1000,\"per_mode\":[1,2]}},"
            "\"eval_s\":0.5,\"step\":200}\n"
            // A second process (a resume): elapsed_s starts again.
            "{\"step\":300,\"d_loss\":0.75,\"g_loss\":0.25,\"elapsed_s\":0.5,\"epoch\":3}\n"
            "{\"step\":300,\"d_lo");  // a line cut short by a kill
  for (int i = 1; i <= pictures; ++i)
    writeFile(run / "samples" / fmt::format("step_{:08d}.png", i * 10), i == 1 ? "Man" : i == pictures ? "Ma" : "x");
  writeFile(run / "samples" / "latest.png", "not a moment");
}

}  // namespace

TEST(ReportTest, RunDataReadsTheLogsByColumnsAndTheFiguresOfTheGame) {
  TempDir dir;
  writeRun(dir / "a", "nonsaturating", 3);
  auto run = gantry::report::runData(dir / "a", "a");
  const auto& metrics = run["metrics"];
  EXPECT_EQ(metrics["step"], json::parse("[100, 200, 300]"));
  EXPECT_EQ(metrics["d_loss"], json::parse("[1.25, 1.0, 0.75]"));
  EXPECT_EQ(metrics["g_loss"], json::parse("[0.5, null, 0.25]")) << "a line without the key is a null, not a gap";
  EXPECT_FALSE(metrics.contains("epoch")) << "bookkeeping gets no chart";
  EXPECT_FALSE(metrics.contains("elapsed_s"));
  const auto& evals = run["evals"];
  EXPECT_EQ(evals["step"], json::parse("[200]"));
  EXPECT_EQ(evals["modes.modes_captured"], json::parse("[5]"));
  EXPECT_FALSE(evals.contains("modes.samples"));
  EXPECT_FALSE(evals.contains("modes.modes_total"));
  EXPECT_FALSE(evals.contains("modes.per_mode")) << "arrays are not curves";
  // Wall time over both processes: 2.0 s, then 0.5 s.
  EXPECT_DOUBLE_EQ(run["facts"]["wall_s"].get<double>(), 2.5);
  EXPECT_EQ(run["facts"]["steps_done"], 300);
  EXPECT_DOUBLE_EQ(run["facts"]["steps_per_s"].get<double>(), 120.0);
  EXPECT_EQ(run["facts"]["seed"], 7);
  EXPECT_FALSE(run["facts"].contains("penalty")) << "'none' says nothing";
  EXPECT_NEAR(run["references"]["value"].get<double>(), -std::log(4.0), 1e-15);
  EXPECT_EQ(run["references"]["d"], 0.5);
  // Pictures in step order as data: URIs, base64 with its padding.
  ASSERT_EQ(run["samples"].size(), 3u);
  EXPECT_EQ(run["samples"][0]["step"], 10);
  EXPECT_EQ(run["samples"][0]["src"], "data:image/png;base64,TWFu");
  EXPECT_EQ(run["samples"][1]["src"], "data:image/png;base64,eA==");
  EXPECT_EQ(run["samples"][2]["src"], "data:image/png;base64,TWE=");
}

TEST(ReportTest, SubnormalFiguresAndStepsThatAreNotNumbersDoNotStopThePage) {
  // A learning rate decayed towards 0 passes through the subnormal range
  // (lr_decay = 2 gets there in about 1,030 steps): its 6 significant digits
  // read back with ERANGE. A line whose step is not a number is no point.
  TempDir dir;
  writeRun(dir / "a", "nonsaturating", 1);
  {
    std::ofstream out(dir / "a" / "metrics.jsonl", std::ios::app);
    out << "\n{\"step\":400,\"lr_d\":8.6916947596e-314,\"elapsed_s\":1.0}\n"
        << "{\"step\":\"x\",\"elapsed_s\":5}\n";
  }
  json run;
  ASSERT_NO_THROW(run = gantry::report::runData(dir / "a", "a"));
  EXPECT_EQ(run["metrics"]["step"], json::parse("[100, 200, 300, 400]"));
  EXPECT_EQ(run["facts"]["steps_done"], 400);
  const double lr = run["metrics"]["lr_d"].back().get<double>();
  EXPECT_NEAR(lr, 8.69169e-314, 1e-319);
  EXPECT_NO_THROW(gantry::report::pageHtml(gantry::report::pageData({dir / "a"})));
}

TEST(ReportTest, ALongRunKeepsEvenlySpacedPicturesWithTheFirstAndTheLast) {
  TempDir dir;
  writeRun(dir / "a", "wgan", 1000);
  auto run = gantry::report::runData(dir / "a", "a");
  const auto& samples = run["samples"];
  ASSERT_EQ(samples.size(), gantry::report::kMaxPictures);
  EXPECT_EQ(samples.front()["step"], 10);
  EXPECT_EQ(samples.back()["step"], 10000);
  for (size_t i = 1; i < samples.size(); ++i) {
    const auto gap = samples[i]["step"].get<int64_t>() - samples[i - 1]["step"].get<int64_t>();
    EXPECT_GE(gap, 160);  // 9,990 steps over 59 gaps: 169 each, give or take one picture
    EXPECT_LE(gap, 180);
  }
  // WGAN: V = E D(x) − E D(G(z)) is 0 at equilibrium; D itself is not fixed.
  EXPECT_EQ(run["references"]["value"], 0.0);
  EXPECT_FALSE(run["references"].contains("d"));
}

TEST(ReportTest, ThePageInlinesEverythingAndItsDataCannotEndItsScript) {
  TempDir dir;
  writeRun(dir / "a", "nonsaturating", 2);
  writeRun(dir / "b" / "a", "lsgan", 2);
  auto data = gantry::report::pageData({dir / "a", dir / "b" / "a"});
  ASSERT_EQ(data["runs"].size(), 2u);
  EXPECT_EQ(data["runs"][0]["name"], "a");
  EXPECT_EQ(data["runs"][1]["name"], "a (2)") << "two folders of one name stay apart";
  data["runs"][0]["config"] = "x = '</script><!-- {{DATA}}'";
  const auto page = gantry::report::pageHtml(data);
  EXPECT_EQ(page.find("</script><!--"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>\\u003c!-- {{DATA}}"), std::string::npos)
      << "the data is escaped, and a placeholder inside it is not filled";
  for (const char* placeholder : {"{{TITLE}}", "{{UPLOT_CSS}}", "{{REPORT_CSS}}", "{{UPLOT_JS}}", "{{REPORT_JS}}"})
    EXPECT_EQ(page.find(placeholder), std::string::npos) << placeholder;
  // Nothing loads from elsewhere: no script, style or picture by URL.
  for (const char* link : {"src=\"http", "href=\"http", "src='http", "href='http", "@import"})
    EXPECT_EQ(page.find(link), std::string::npos) << link;
  EXPECT_NE(page.find("uPlot"), std::string::npos) << "the chart library is inlined";
}

TEST(ReportTest, AFolderWithoutARunIsOneClearError) {
  TempDir dir;
  try {
    gantry::report::runData(dir.path(), "x");
    FAIL() << "no error";
  } catch (const gantry::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no config.toml"), std::string::npos) << e.what();
  }
}
