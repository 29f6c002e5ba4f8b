// gantry jacobian against closed forms: the Dirac-GAN at its equilibrium
// (Mescheder, Geiger & Nowozin 2018, Table 1 and §3; ../shared protocols),
// and the dense and Arnoldi methods against each other on a trained run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cmath>
#include <complex>
#include <sstream>

#include "TestSupport.h"

using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::readFile;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

using Complex = std::complex<double>;

/// The spectrum of a Dirac-GAN run held at (θ, ψ) = (0, 0): one step with
/// both learning rates 0 writes its checkpoint there.
nlohmann::json diracAtEquilibrium(const TempDir& dir, const std::string& name, const std::string& settings) {
  auto run = dir / name;
  auto r = runGantry(
      "train --preset dirac --quiet --steps 1 --set dirac_theta0=0 --set dirac_psi0=0 --set lr_g=0 "
      "--set lr_d=0 " +
      settings + " --out " + quoted(run));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  auto out = dir / (name + ".json");
  r = runGantry("jacobian --quiet --method dense --run " + quoted(run) + " --out " + quoted(out));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return nlohmann::json::parse(readFile(out));
}

/// λ = a ± √(a² − b²): the eigenvalues of [[0, b], [−b, 2a]], the shape of
/// every Dirac-GAN Jacobian at (0, 0).
std::vector<Complex> closedForm(double a, double b) {
  const auto root = std::sqrt(Complex(a * a - b * b, 0.0));
  return {a + root, a - root};
}

void expectEigenvalues(const nlohmann::json& report, std::vector<Complex> expected, const std::string& what) {
  const auto& found = report.at("eigenvalues");
  ASSERT_EQ(found.size(), 2u) << what;
  // Both orders of the pair: match each found value to the nearer one.
  for (const auto& value : found) {
    const Complex v(value.at("re").get<double>(), value.at("im").get<double>());
    const double distance = std::min(std::abs(v - expected[0]), std::abs(v - expected[1]));
    EXPECT_LT(distance, 1e-4) << what << ": " << v << " against " << expected[0] << ", " << expected[1];
  }
  const Complex a(found[0].at("re").get<double>(), found[0].at("im").get<double>());
  const Complex b(found[1].at("re").get<double>(), found[1].at("im").get<double>());
  EXPECT_GT(std::abs(a - b) + 1e-12, std::abs(expected[0] - expected[1]) - 1e-4)
      << what << ": both roots, not one twice";
}

const double kF1 = 0.5;    // f′(0) of the standard game
const double kF2 = -0.25;  // f″(0)

}  // namespace

TEST(JacobianTest, DiracGanAtItsEquilibriumHasTheClosedFormSpectra) {
  TempDir dir;
  // Unregularised: ±f′(0) i, no damping (neither converges nor diverges in
  // continuous time).
  auto plain = diracAtEquilibrium(dir, "plain", "");
  expectEigenvalues(plain, closedForm(0.0, kF1), "non-saturating");
  EXPECT_FALSE(plain.at("summary").at("all_real_negative").get<bool>());
  // R1 and R2 with weight γ: −γ/2 ± √(γ²/4 − f′(0)²), complex below γ = 1,
  // real above it.
  for (const std::string penalty : {"r1", "r2"})
    for (double gamma : {0.3, 2.0}) {
      auto report = diracAtEquilibrium(dir, penalty + std::to_string(gamma),
                                       "--set penalty=" + penalty + " --set penalty_weight=" + std::to_string(gamma));
      expectEigenvalues(report, closedForm(-gamma / 2, kF1), penalty + " gamma " + std::to_string(gamma));
      EXPECT_TRUE(report.at("summary").at("all_real_negative").get<bool>());
    }
  // Instance noise σ: f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²).
  const double sigma = 0.7;
  auto noisy = diracAtEquilibrium(dir, "noise", "--set instance_noise=0.7");
  expectEigenvalues(noisy, closedForm(kF2 * sigma * sigma, kF1), "instance noise");
  // WGAN without clipping is the bilinear game: ±i.
  auto wgan = diracAtEquilibrium(dir, "wgan", "--set objective=wgan --set weight_clip=0");
  expectEigenvalues(wgan, closedForm(0.0, 1.0), "wgan");
  // The 2014 code's D loss (−V/2) halves D's row: ±i/√8, not the paper's ±i/2.
  auto halved = diracAtEquilibrium(dir, "halved", "--set d_loss_sum=false");
  expectEigenvalues(halved, closedForm(0.0, std::sqrt(kF1 * kF1 / 2)), "d_loss_sum = false");
}

TEST(JacobianTest, DenseAndArnoldiAgreeOnATrainedRun) {
  TempDir dir;
  auto run = dir / "run";
  auto r = runGantry("train --preset gaussian1d --quiet --set g_hidden=16,16 --set d_hidden=32,32 --steps 1500 --out " +
                     quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::map<std::string, nlohmann::json> reports;
  for (const std::string method : {"dense", "arnoldi"}) {
    auto out = dir / (method + ".json");
    r = runGantry("jacobian --quiet --top 10 --batch 500 --method " + method + " --run " + quoted(run) + " --out " +
                  quoted(out));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    reports[method] = nlohmann::json::parse(readFile(out));
  }
  const auto& dense = reports["dense"];
  const auto& arnoldi = reports["arnoldi"];
  EXPECT_EQ(dense.at("parameters").at("total").get<int64_t>(), 1522);
  EXPECT_TRUE(arnoldi.at("converged").get<bool>());
  EXPECT_LT(arnoldi.at("products").get<int64_t>(), 1522) << "Arnoldi without forming the matrix";
  ASSERT_EQ(dense.at("eigenvalues").size(), 10u);
  ASSERT_EQ(arnoldi.at("eigenvalues").size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    const auto& a = dense["eigenvalues"][i];
    const auto& b = arnoldi["eigenvalues"][i];
    const Complex x(a["re"].get<double>(), a["im"].get<double>()), y(b["re"].get<double>(), b["im"].get<double>());
    EXPECT_LT(std::abs(x - y), 1e-3 * std::abs(x)) << "eigenvalue " << i << ": " << x << " against " << y;
  }
  for (const std::string side : {"generator", "discriminator"}) {
    const auto& a = dense["hessians"][side]["eigenvalues"];
    const auto& b = arnoldi["hessians"][side]["eigenvalues"];
    ASSERT_EQ(a.size(), b.size()) << side;
    EXPECT_EQ(arnoldi["hessians"][side]["method"], "lanczos");
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i].get<double>(), b[i].get<double>(), 1e-3 * std::abs(a[i].get<double>())) << side << " " << i;
  }
}

TEST(JacobianTest, BadRequestsAreOneLineErrors) {
  TempDir dir;
  auto run = dir / "run";
  auto r = runGantry("train --preset dirac --quiet --steps 1 --out " + quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --out " + quoted(dir / "a.txt")),
                     "must end in .json");
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --method qr --out " + quoted(dir / "a.json")),
                     "--method must be dense, arnoldi or auto");
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --which big --out " + quoted(dir / "a.json")),
                     "--which must be magnitude, real or imag");
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --max-restarts 0 --out " + quoted(dir / "a.json")),
                     "--max-restarts must be at least 1");
  // Beyond the machine's memory, named before any pass (it was the
  // out-of-memory line that names config keys).
  expectOneLineError(
      runGantry("jacobian --run " + quoted(run) + " --batch 1000000000000000 --out " + quoted(dir / "a.json")),
      "lower --batch");
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --method arnoldi --out " + quoted(dir / "a.json")),
                     "use the dense method");
  expectOneLineError(runGantry("jacobian --run " + quoted(dir / "nothing") + " --out " + quoted(dir / "a.json")),
                     "is not a gantry run folder");
  expectOneLineError(runGantry("jacobian --out " + quoted(dir / "a.json")), "give a run folder with --run");
  // Both: one was ignored (the checkpoint's game was taken, the run's not said).
  expectOneLineError(runGantry("jacobian --run " + quoted(run) + " --checkpoint " + quoted(run / "checkpoint.pt") +
                               " --out " + quoted(dir / "a.json")),
                     "not both");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.json"));
}

TEST(JacobianTest, PathAngleOnTheBilinearGameIsItsClosedForm) {
  // WGAN's Dirac-GAN: the joint gradient is g = (−ψ, θ). From A = (1, 1) to
  // B = (−1, 0.5) (two runs held still by learning rates 0), d = B − A and
  // cos(g, d) = 1.5 / (|g| |d|) at w(α) = A + α d.
  TempDir dir;
  auto at = [&](const std::string& name, double theta, double psi) {
    auto run = dir / name;
    auto r =
        runGantry(fmt::format("train --preset dirac --quiet --steps 1 --set objective=wgan --set weight_clip=0 "
                              "--set lr_g=0 --set lr_d=0 --set dirac_theta0={} --set dirac_psi0={} --out {}",
                              theta, psi, quoted(run)));
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return run / "checkpoint.pt";
  };
  auto a = at("a", 1.0, 1.0), b = at("b", -1.0, 0.5);
  auto out = dir / "angle.json";
  auto r = runGantry("jacobian --quiet --path-angle --from " + quoted(a) + " --checkpoint " + quoted(b) + " --out " +
                     quoted(out));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto report = nlohmann::json::parse(readFile(out));
  const auto& alphas = report.at("alpha");
  ASSERT_EQ(alphas.size(), 100u);
  EXPECT_NEAR(alphas[0].get<double>(), -0.1, 1e-12);
  EXPECT_NEAR(alphas[99].get<double>(), 1.1, 1e-12);
  for (size_t i = 0; i < 100; ++i) {
    const double alpha = alphas[i].get<double>();
    const double theta = 1 - 2 * alpha, psi = 1 - 0.5 * alpha;
    const double norm = std::hypot(psi, theta);
    EXPECT_NEAR(report["gradient_norm"][i].get<double>(), norm, 1e-9) << alpha;
    EXPECT_NEAR(report["cosine"][i].get<double>(), 1.5 / (norm * std::sqrt(4.25)), 1e-9) << alpha;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "angle.png"));
}

namespace {

/// 300 steps of a small gaussian1d run with `extra` settings, with spectra
/// every 100 steps (into dir/with) and without (dir/without): the samples
/// (G in eval mode) are the same bit for bit.
void expectSpectraLeaveSamplesAsTheyWere(const std::filesystem::path& dir, const std::string& extra) {
  const std::string base =
      "train --preset gaussian1d --quiet --set g_hidden=8,8 --set d_hidden=8,8 --steps 300 "
      "--set sample_every=0 " +
      extra;
  auto r = runGantry(base + " --set jacobian_every=100 --set jacobian_top=6 --out " + quoted(dir / "with"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = runGantry(base + " --out " + quoted(dir / "without"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const std::string run : {"with", "without"}) {
    r = runGantry("sample --run " + quoted(dir / run) + " -n 500 --out " + quoted(dir / (run + ".npy")));
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  EXPECT_EQ(readFile(dir / "with.npy"), readFile(dir / "without.npy")) << extra;
}

}  // namespace

TEST(JacobianTest, SpectraDuringTrainingLeaveBatchNormsStatisticsAsTheyWere) {
  // The field's passes run G in train mode, which moves batch norm's running
  // statistics: those are what G samples with.
  TempDir dir;
  expectSpectraLeaveSamplesAsTheyWere(dir.path(), "--set g_batch_norm=true");
}

TEST(JacobianTest, SpectraDuringTrainingLeaveTheRunAsItWas) {
  TempDir dir;
  // The same training, bit for bit: samples and every logged figure.
  expectSpectraLeaveSamplesAsTheyWere(dir.path(), "");
  auto figures = [&](const std::string& run) {
    std::vector<nlohmann::json> all;
    std::istringstream in(readFile(dir / run / "metrics.jsonl"));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      j.erase("elapsed_s");  // wall-clock figures, not the training's
      j.erase("steps_per_s");
      all.push_back(j);
    }
    return all;
  };
  EXPECT_EQ(figures("with"), figures("without"));
  EXPECT_EQ(figures("with").size(), 6u);
  EXPECT_FALSE(std::filesystem::exists(dir / "without" / "jacobian.jsonl"));
  // Steps 100, 200, 300, each with six eigenvalues of the field, largest magnitude first.
  std::istringstream lines(readFile(dir / "with" / "jacobian.jsonl"));
  std::vector<nlohmann::json> spectra;
  for (std::string line; std::getline(lines, line);) spectra.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(spectra.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(spectra[i]["step"].get<int64_t>(), 100 * static_cast<int64_t>(i + 1));
    ASSERT_EQ(spectra[i]["eigenvalues"].size(), 6u);
    double previous = 1e300;
    for (const auto& v : spectra[i]["eigenvalues"]) {
      const double magnitude = std::hypot(v["re"].get<double>(), v["im"].get<double>());
      EXPECT_LE(magnitude, previous + 1e-12);
      previous = magnitude;
    }
    EXPECT_GT(previous, 0.0);
  }
}

TEST(JacobianTest, SetChangesOnlyTheGameAtTheCheckpoint) {
  TempDir dir;
  auto run = dir / "run";
  auto r = runGantry(
      "train --preset dirac --quiet --steps 1 --set dirac_theta0=0 --set dirac_psi0=0 --set lr_g=0 "
      "--set lr_d=0 --out " +
      quoted(run));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The unregularised run's point under R1 with γ = 2: −1 ± √(1 − ¼).
  auto out = dir / "r1.json";
  r = runGantry("jacobian --quiet --set penalty=r1 --set penalty_weight=2 --run " + quoted(run) + " --out " +
                quoted(out));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto report = nlohmann::json::parse(readFile(out));
  EXPECT_EQ(report["penalty"], "r1");
  expectEigenvalues(report, closedForm(-1.0, kF1), "--set penalty=r1");
  expectOneLineError(runGantry("jacobian --set lr_g=1 --run " + quoted(run) + " --out " + quoted(dir / "x.json")),
                     "only the game's keys");
}
