// gantry report and the run folder's report.html, end to end: real runs,
// the page loaded in headless Chromium (scripts/report-check), every chart
// drawn with as many points as the logs hold. And the snapshots behind the
// page leave training as it was, bit for bit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "TestSupport.h"

using gantry::test::quoted;
using gantry::test::readFile;
using gantry::test::runCommand;
using gantry::test::runGantry;
using gantry::test::TempDir;
using nlohmann::json;

namespace {

std::vector<json> jsonLines(const std::filesystem::path& path) {
  std::vector<json> lines;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

/// What scripts/report-check saw: the charts' series counts, the sliders'
/// steps, and its whole output for messages.
struct Rendered {
  int exitCode = -1;
  std::map<std::string, json> charts;
  std::map<std::string, int64_t> sliders;
  std::string output;
};

/// The data a page carries in its script element with id gantry-data.
json embeddedData(const std::filesystem::path& page) {
  const auto html = readFile(page);
  const std::string opening = "id=\"gantry-data\">";
  const auto start = html.find(opening) + opening.size();
  return json::parse(html.substr(start, html.find("</script>", start) - start));
}

Rendered render(const std::filesystem::path& page) {
  auto r = runCommand(std::string(GANTRY_SOURCE_DIR) + "/scripts/report-check " + quoted(page));
  Rendered rendered{r.exitCode, {}, {}, r.out + r.err};
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind, name;
    words >> kind >> name;
    std::string rest;
    std::getline(words, rest);
    if (kind == "chart") rendered.charts[name] = json::parse(rest);
    if (kind == "slider") rendered.sliders[name] = std::stoll(rest);
  }
  return rendered;
}

/// Every training figure of metrics.jsonl is drawn in its chart with one
/// point per line that has it (run `name` of the page).
void expectEveryCurveComplete(const Rendered& page, const std::filesystem::path& run, const std::string& name) {
  std::map<std::string, int64_t> lines;
  for (const auto& line : jsonLines(run / "metrics.jsonl")) {
    if (line.contains("eval")) continue;
    for (const auto& [key, value] : line.items())
      if (value.is_number() && key != "step" && key != "epoch" && key != "elapsed_s") ++lines[key];
  }
  ASSERT_FALSE(lines.empty());
  std::map<std::string, std::string> chartOf = {
      {"d_loss", "losses"}, {"g_loss", "losses"}, {"d_real", "d_outputs"}, {"d_fake", "d_outputs"},
      {"value", "value"},   {"lr_d", "lr"},       {"lr_g", "lr"},          {"steps_per_s", "speed"}};
  for (const auto& [key, count] : lines) {
    const auto chart = chartOf.count(key) ? chartOf[key] : "metric:" + key;
    ASSERT_TRUE(page.charts.count(chart)) << "no chart " << chart << "\n" << page.output;
    const auto label = key + " · " + name;
    ASSERT_TRUE(page.charts.at(chart).contains(label)) << chart << ": " << page.charts.at(chart).dump();
    EXPECT_EQ(page.charts.at(chart)[label].get<int64_t>(), count) << chart << " " << label;
  }
}

int64_t lastPictureStep(const std::filesystem::path& run) {
  int64_t last = -1;
  for (const auto& entry : std::filesystem::directory_iterator(run / "samples")) {
    const auto name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0) last = std::max<int64_t>(last, std::stoll(name.substr(5, 8)));
  }
  return last;
}

}  // namespace

TEST(ReportCliTest, Ring8AndMnistPagesDrawEveryChartInABrowser) {
  TempDir dir;
  auto ring = dir / "ring";
  ASSERT_EQ(runGantry("train --quiet --preset ring8 --steps 600 --set sample_every=200 --set eval_every=300 "
                      "--set jacobian_every=300 --set jacobian_top=6 --out " +
                      quoted(ring))
                .exitCode,
            0);
  auto mnist = dir / "mnist";
  ASSERT_EQ(runGantry("train --quiet --preset mnist-mlp --steps 200 --set sample_every=100 --set log_every=20 --out " +
                      quoted(mnist))
                .exitCode,
            0);
  for (const auto& [run, name] : {std::pair{ring, std::string("ring")}, std::pair{mnist, std::string("mnist")}}) {
    auto page = dir / (name + ".html");
    auto r = runGantry("report --run " + quoted(run) + " --out " + quoted(page));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find(page.string()), std::string::npos) << "prints the page's path";
    auto rendered = render(page);
    ASSERT_EQ(rendered.exitCode, 0) << "not drawn, or console errors:\n" << rendered.output;
    expectEveryCurveComplete(rendered, run, name);
    EXPECT_EQ(rendered.sliders.at("samples:" + name), lastPictureStep(run)) << "the slider starts at the last picture";
    ASSERT_TRUE(rendered.charts.count("d_hist:" + name)) << rendered.output;
    // Each histogram holds D's outputs on 1,000 real and 1,000 generated samples, in 40 bins.
    auto snapshots = jsonLines(run / "snapshots.jsonl");
    ASSERT_FALSE(snapshots.empty());
    for (const char* side : {"real", "fake"}) {
      int64_t total = 0;
      for (const auto& count : snapshots.back()["d_hist"][side]) total += count.get<int64_t>();
      EXPECT_EQ(total, 1000) << side;
    }
  }
  // ring8's extras: the modes' evaluations, D over the plane, the spectra.
  auto ringPage = render(dir / "ring.html");
  EXPECT_TRUE(ringPage.charts.count("eval:modes.modes_captured")) << ringPage.output;
  EXPECT_EQ(ringPage.charts["toy2d:ring"]["true modes"], 8);
  EXPECT_EQ(ringPage.charts["jacobian:ring"]["eigenvalues"], 6);
  EXPECT_EQ(ringPage.sliders.at("jacobian:ring"), 600);
  // The page training keeps in the run folder draws too.
  auto kept = render(ring / "report.html");
  EXPECT_EQ(kept.exitCode, 0) << kept.output;
  expectEveryCurveComplete(kept, ring, "ring");
}

TEST(ReportCliTest, ThreeRunsOverlaidAndAOneDimensionalRunsFigureOne) {
  TempDir dir;
  std::vector<std::string> names = {"nonsaturating", "lsgan", "hinge"};
  std::string runs;
  for (const auto& objective : names) {
    auto run = dir / objective;
    ASSERT_EQ(
        runGantry("train --quiet --preset ring8 --steps 300 --set objective=" + objective + " --out " + quoted(run))
            .exitCode,
        0);
    runs += " --run " + quoted(run);
  }
  auto page = dir / "three.html";
  ASSERT_EQ(runGantry("report --quiet" + runs + " --out " + quoted(page)).exitCode, 0);
  auto rendered = render(page);
  ASSERT_EQ(rendered.exitCode, 0) << rendered.output;
  for (const auto& objective : names) expectEveryCurveComplete(rendered, dir / objective, objective);
  EXPECT_EQ(rendered.charts.at("losses").size(), 6u) << "d_loss and g_loss of each run";

  // gaussian1d: D, D* and both densities at each snapshot.
  auto g = dir / "g";
  ASSERT_EQ(
      runGantry("train --quiet --preset gaussian1d --steps 400 --set sample_every=200 --out " + quoted(g)).exitCode, 0);
  auto one = render(g / "report.html");
  ASSERT_EQ(one.exitCode, 0) << one.output;
  EXPECT_EQ(one.charts.at("toy1d:g")["D*"], 200);
  auto view = jsonLines(g / "snapshots.jsonl").back()["toy1d"];
  const auto& x = view["x"];
  double massData = 0, massG = 0, worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double pd = view["p_data"][i], pg = view["p_g"][i];
    if (i > 0) {
      const double dx = x[i].get<double>() - x[i - 1].get<double>();
      massData += dx * (pd + view["p_data"][i - 1].get<double>()) / 2;
      massG += dx * (pg + view["p_g"][i - 1].get<double>()) / 2;
    }
    if (pd + pg > 0.05) worst = std::max(worst, std::abs(view["d_star"][i].get<double>() - pd / (pd + pg)));
  }
  EXPECT_NEAR(massData, 1.0, 2e-3) << "N(4, 0.5²) over ±6σ";
  EXPECT_NEAR(massG, 1.0, 2e-2) << "G's histogram over its own range";
  EXPECT_LT(worst, 2e-3) << "D* = p_data / (p_data + p_g), to the 4 decimals kept";

  // The Dirac-GAN: its trajectory (θ, ψ) over the field of its own game.
  auto dirac = dir / "dirac";
  ASSERT_EQ(runGantry("train --quiet --preset dirac --steps 150 --out " + quoted(dirac)).exitCode, 0);
  ASSERT_EQ(runGantry("report --quiet --run " + quoted(dirac) + " --out " + quoted(dir / "dirac.html")).exitCode, 0);
  auto diracPage = render(dir / "dirac.html");
  ASSERT_EQ(diracPage.exitCode, 0) << diracPage.output;
  int64_t points = 0;
  for (const auto& line : jsonLines(dirac / "metrics.jsonl")) points += line.contains("theta") && line.contains("psi");
  EXPECT_EQ(diracPage.charts.at("dirac:dirac")["trajectory"], points);
  // The field is the game's, at every arrow: with D(x) = ψx, data at 0 and
  // D's loss the sum softplus(−D(x)) + softplus(D(G)) (d_loss_sum, the
  // preset's), −∂L_D/∂ψ = −σ(θψ)·θ; the non-saturating G's loss
  // softplus(−θψ) gives −∂L_G/∂θ = σ(−θψ)·ψ (Mescheder et al. 2018).
  auto data = embeddedData(dir / "dirac.html");
  const auto& field = data["runs"][0]["dirac"]["field"];
  const size_t n = field["xs"].size();
  ASSERT_EQ(n, 17u);
  const auto sigmoid = [](double t) { return 1 / (1 + std::exp(-t)); };
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double theta = field["xs"][i].get<double>(), psi = field["ys"][j].get<double>();
      EXPECT_NEAR(field["u"][i * n + j].get<double>(), sigmoid(-theta * psi) * psi, 1e-9);
      EXPECT_NEAR(field["v"][i * n + j].get<double>(), -sigmoid(theta * psi) * theta, 1e-9);
    }
  // The page training keeps in the run folder has the same field, written
  // at the end of the training.
  EXPECT_EQ(embeddedData(dirac / "report.html")["runs"][0]["dirac"]["field"], field);
}

TEST(ReportCliTest, AConditionalToyRunsPageDrawsWithoutAMapOfD) {
  // A conditional D is one function per class: no single map of it.
  TempDir dir;
  auto run = dir / "c";
  ASSERT_EQ(runGantry("train --quiet --preset ring8 --set conditional=concat --steps 100 --set sample_every=50 --out " +
                      quoted(run))
                .exitCode,
            0);
  auto page = render(run / "report.html");
  ASSERT_EQ(page.exitCode, 0) << page.output;
  EXPECT_TRUE(page.charts.count("d_hist:c"));
  EXPECT_FALSE(page.charts.count("toy2d:c"));
  EXPECT_EQ(page.sliders.at("snapshots:c"), 100);
}

TEST(ReportCliTest, SnapshotsLeaveTrainingAsItWasBitForBit) {
  TempDir dir;
  for (const char* preset : {"ring8", "gaussian1d"}) {
    std::vector<std::string> samples;
    for (const char* every : {"0", "1"}) {
      auto run = dir / (std::string(preset) + every);
      ASSERT_EQ(runGantry(std::string("train --quiet --preset ") + preset + " --steps 100 --set sample_every=" + every +
                          " --out " + quoted(run))
                    .exitCode,
                0);
      auto out = dir / (std::string(preset) + every + ".npy");
      ASSERT_EQ(runGantry("sample --run " + quoted(run) + " -n 500 --out " + quoted(out)).exitCode, 0);
      samples.push_back(readFile(out));
      if (std::string(every) == "1") EXPECT_EQ(jsonLines(run / "snapshots.jsonl").size(), 100u);
    }
    EXPECT_EQ(samples[0], samples[1]) << preset << ": a snapshot at every step changed training";
  }
}

TEST(ReportCliTest, BadInputIsOneLine) {
  TempDir dir;
  gantry::test::expectOneLineError(runGantry("report --run " + quoted(dir.path()) + " --out " + quoted(dir / "r.html")),
                                   "no config.toml");
  gantry::test::expectOneLineError(runGantry("report --run " + quoted(dir.path()) + " --out " + quoted(dir / "r.txt")),
                                   "must end in .html");
}
