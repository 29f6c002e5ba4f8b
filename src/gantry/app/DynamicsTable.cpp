// gantry dynamics: the Dirac-GAN under every update rule, game and
// regulariser, measured through the trainer beside the closed forms.
#include "gantry/app/Commands.h"
#include "gantry/app/Dynamics.h"
#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"
#include "gantry/eval/dynamics/JointField.h"
#include "gantry/eval/dynamics/LinearGame.h"
#include "gantry/eval/dynamics/Spectrum.h"
#include "gantry/io/Chart.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <complex>
#include <iostream>
#include <optional>
#include <sstream>

namespace gantry::app {

namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

/// One game of the table: an objective and a regulariser, with what the
/// closed forms need (none for WGAN-GP, whose field is not differentiable at
/// the equilibrium).
struct GameCase {
  std::string objective, regulariser;
  Settings settings;
  std::optional<double> fPrime, damping;
  /// Mescheder et al. 2018's verdict for simultaneous and alternating
  /// gradient steps, where the paper gives one.
  std::optional<bool> paperConverges;
  std::string name() const { return objective + ", " + regulariser; }
  std::string slug() const {
    std::string s = objective + "-" + regulariser;
    for (auto& c : s)
      if (c == ' ' || c == '=' || c == ',') c = '-';
    return s;
  }
};

const double kNoise = 0.7;  // the authors' instance noise σ

std::vector<GameCase> gameCases() {
  std::vector<GameCase> cases;
  // f′(0), f″(0): ½ and −¼ for the standard game, 1 and 0 for WGAN (f(t) = t).
  for (const auto& [objective, f1, f2] : std::vector<std::tuple<std::string, double, double>>{
           {"nonsaturating", 0.5, -0.25}, {"minimax", 0.5, -0.25}, {"wgan", 1.0, 0.0}}) {
    Settings base = {{"objective", objective}};
    if (objective == "wgan") base.push_back({"weight_clip", "0"});
    const bool standard = objective != "wgan";
    auto with = [&](Settings extra) {
      Settings s = base;
      s.insert(s.end(), extra.begin(), extra.end());
      return s;
    };
    cases.push_back({objective, "none", base, f1, 0.0, false});
    for (const std::string penalty : {"r1", "r2"})
      for (double gamma : {0.3, 1.0})
        cases.push_back({objective, fmt::format("{} gamma={}", penalty, gamma),
                         with({{"penalty", penalty}, {"penalty_weight", fmt::format("{}", gamma)}}), f1, -gamma / 2,
                         true});
    cases.push_back({objective, fmt::format("noise sigma={}", kNoise),
                     with({{"instance_noise", fmt::format("{}", kNoise)}}), f1, f2 * kNoise * kNoise,
                     standard ? std::optional<bool>(true) : std::nullopt});
  }
  cases.push_back(
      {"wgan-gp", "gp", {{"objective", "wgan-gp"}, {"penalty_weight", "1"}}, std::nullopt, std::nullopt, false});
  return cases;
}

struct RuleCase {
  std::string name;
  Settings settings;
  double consensusWeight = 0;
};

const double kConsensus = 1.0;  // the authors' notebook

std::vector<RuleCase> ruleCases() {
  return {{"alternating", {{"update", "alternating"}}},
          {"simultaneous", {{"update", "simultaneous"}}},
          {"extragradient", {{"update", "extragradient"}}},
          {"optimistic", {{"update", "optimistic"}}},
          {"consensus", {{"update", "consensus"}, {"consensus_weight", fmt::format("{}", kConsensus)}}, kConsensus},
          {"unrolled", {{"update", "unrolled"}, {"unroll_steps", "5"}}}};
}

std::unique_ptr<train::Trainer> diracTrainer(const GameCase& game, const RuleCase* rule, double eta, double theta0,
                                             double psi0) {
  Config config(trainingSchema());
  applyPreset(config, "dirac");
  const std::string origin = "gantry dynamics";
  // A large batch: instance noise's draws average out (the closed forms are
  // those of the expected field); the other games have no randomness.
  Settings settings = {{"batch_size", "1024"},
                       {"lr_g", fmt::format("{}", eta)},
                       {"lr_d", fmt::format("{}", eta)},
                       {"dirac_theta0", fmt::format("{}", theta0)},
                       {"dirac_psi0", fmt::format("{}", psi0)}};
  settings.insert(settings.end(), game.settings.begin(), game.settings.end());
  if (rule) settings.insert(settings.end(), rule->settings.begin(), rule->settings.end());
  for (const auto& [key, value] : settings) config.setText(key, value, origin);
  return buildTrainer(config);
}

struct Point {
  double theta, psi;
};

std::vector<Point> trajectory(train::Trainer& trainer, Point start, int64_t steps) {
  std::vector<Point> points = {start};
  for (int64_t t = 0; t < steps; ++t) {
    auto figures = trainer.step();
    points.push_back({figures.get("theta").item<double>(), figures.get("psi").item<double>()});
  }
  return points;
}

/// ρ of the trainer's one-step map near the equilibrium, fitted by least
/// squares to a trajectory that starts there: w_{t+1} = M w_t, or with the
/// optimistic rule's memory w_{t+1} = A w_t + B w_{t−1} (its first step, a
/// plain one, left out).
double fittedGrowth(const std::vector<Point>& points, bool memory) {
  const int64_t first = memory ? 2 : 0;
  const auto n = static_cast<int64_t>(points.size());
  const int64_t k = memory ? 4 : 2;
  auto x = torch::empty({n - 1 - first, k}, torch::kFloat64);
  auto y = torch::empty({n - 1 - first, 2}, torch::kFloat64);
  for (int64_t t = first; t + 1 < n; ++t) {
    const auto& p = points[static_cast<size_t>(t)];
    x[t - first][0] = p.theta;
    x[t - first][1] = p.psi;
    if (memory) {
      x[t - first][2] = points[static_cast<size_t>(t - 1)].theta;
      x[t - first][3] = points[static_cast<size_t>(t - 1)].psi;
    }
    y[t - first][0] = points[static_cast<size_t>(t + 1)].theta;
    y[t - first][1] = points[static_cast<size_t>(t + 1)].psi;
  }
  auto m = std::get<0>(torch::linalg_lstsq(x, y)).t().contiguous();  // [2, k]
  std::vector<double> map(m.data_ptr<double>(), m.data_ptr<double>() + 2 * k);
  if (memory) map.insert(map.end(), {1, 0, 0, 0, 0, 1, 0, 0});  // (w⁺, w) from (w, w₋)
  return eval::spectralRadius(map, static_cast<int>(k));
}

nlohmann::json complexJson(const std::vector<std::complex<double>>& values) {
  auto list = nlohmann::json::array();
  for (const auto& v : values) list.push_back({{"re", v.real()}, {"im", v.imag()}});
  return list;
}

std::string formatComplex(const std::complex<double>& v) {
  if (!std::isfinite(v.real()) || !std::isfinite(v.imag())) return "undefined";
  return fmt::format("{:.6f} {} {:.6f}i", v.real(), v.imag() < 0 ? "−" : "+", std::abs(v.imag()));
}

/// The largest distance between two eigenvalue pairs, matched in order.
double pairDistance(const std::vector<std::complex<double>>& a, const std::vector<std::complex<double>>& b) {
  return std::max(std::abs(a[0] - b[0]), std::abs(a[1] - b[1]));
}

eval::Matrix2 toMatrix2(const torch::Tensor& j) {
  auto c = j.to(torch::kCPU, torch::kFloat64).contiguous();
  const double* d = c.data_ptr<double>();
  return {d[0], d[1], d[2], d[3]};
}

/// The expected field on a grid over [−extent, extent]², for the arrows.
io::ChartArrows fieldArrows(const GameCase& game, double extent) {
  auto trainer = diracTrainer(game, nullptr, 0.1, 0.0, 0.0);
  prepareForDynamics(*trainer);
  return diracFieldArrows(*trainer, extent);
}

}  // namespace

int dynamicsTable(const DynamicsRequest& request) {
  if (request.steps < 10) throw UserError("--steps must be at least 10");
  if (!(request.lr > 0) || request.lr >= 1) throw UserError("--lr must be in (0, 1)");
  createFolder(request.out);
  const double eta = request.lr;
  const auto games = gameCases();
  const auto rules = ruleCases();
  nlohmann::json report;
  report["lr"] = eta;
  report["steps"] = request.steps;
  report["start"] = {1.0, 1.0};
  report["consensus_weight"] = kConsensus;
  report["instance_noise"] = kNoise;
  auto& spectra = report["spectra"] = nlohmann::json::array();
  auto& runs = report["runs"] = nlohmann::json::array();
  double worstSpectrum = 0, worstGrowth = 0;
  int64_t paperRows = 0, paperMatches = 0;

  std::ostringstream spectraTable, growthTable, convergenceTable;
  spectraTable << "| game | regulariser | eigenvalues of J, measured | closed form | error | with consensus (γ = "
               << kConsensus << "), measured | closed form | error |\n|---|---|---|---|---|---|---|---|\n";
  growthTable << "| game | regulariser | rule | ρ measured | ρ closed form | error |\n|---|---|---|---|---|---|\n";
  convergenceTable << "| game | regulariser | rule | distance after " << request.steps
                   << " steps | converges | Mescheder et al. 2018 | linear theory (ρ < 1) |\n"
                   << "|---|---|---|---|---|---|---|\n";

  for (const auto& game : games) {
    if (!request.quiet) std::cout << "dynamics: " << game.name() << "\n" << std::flush;
    // The Jacobian at (0, 0), in float64 from the trainer's own losses.
    auto atEquilibrium = diracTrainer(game, nullptr, eta, 0.0, 0.0);
    prepareForDynamics(*atEquilibrium);
    eval::JointField field(atEquilibrium->arena(), 1024, 0);
    field.evaluate();
    const auto measuredJ = toMatrix2(field.matrix());
    const auto measured = eval::eigenvalues(measuredJ);
    const auto measuredConsensus = eval::eigenvalues(eval::consensusJacobian(measuredJ, kConsensus));
    nlohmann::json spectrum = {{"objective", game.objective},
                               {"regulariser", game.regulariser},
                               {"eigenvalues", complexJson(measured)},
                               {"consensus_eigenvalues", complexJson(measuredConsensus)}};
    std::string closedText = "— (not differentiable at ψ = 0)", closedConsensusText = "—", error = "—",
                consensusError = "—";
    std::optional<eval::Matrix2> closedJ;
    if (game.fPrime) {
      closedJ = eval::diracJacobian(*game.fPrime, *game.damping);
      const auto closed = eval::eigenvalues(*closedJ);
      const auto closedConsensus = eval::eigenvalues(eval::consensusJacobian(*closedJ, kConsensus));
      const double e = pairDistance(measured, closed), ec = pairDistance(measuredConsensus, closedConsensus);
      worstSpectrum = std::max({worstSpectrum, e, ec});
      spectrum["closed_form"] = complexJson(closed);
      spectrum["consensus_closed_form"] = complexJson(closedConsensus);
      spectrum["error"] = e;
      spectrum["consensus_error"] = ec;
      closedText = formatComplex(closed[0]) + ", " + formatComplex(closed[1]);
      closedConsensusText = formatComplex(closedConsensus[0]) + ", " + formatComplex(closedConsensus[1]);
      error = fmt::format("{:.1e}", e);
      consensusError = fmt::format("{:.1e}", ec);
    }
    spectra.push_back(spectrum);
    spectraTable << fmt::format("| {} | {} | {}, {} | {} | {} | {}, {} | {} | {} |\n", game.objective, game.regulariser,
                                formatComplex(measured[0]), formatComplex(measured[1]), closedText, error,
                                formatComplex(measuredConsensus[0]), formatComplex(measuredConsensus[1]),
                                closedConsensusText, consensusError);

    io::Chart portrait;
    portrait.title = fmt::format("Dirac-GAN, {} ({}), step {}", game.objective, game.regulariser, eta);
    portrait.xLabel = "theta (generator)";
    portrait.yLabel = "psi (discriminator)";
    portrait.xMin = portrait.yMin = -2;
    portrait.xMax = portrait.yMax = 2;
    portrait.equalAspect = true;
    portrait.width = portrait.height = 720;
    portrait.arrows = fieldArrows(game, 2.0);

    for (size_t r = 0; r < rules.size(); ++r) {
      const auto& rule = rules[r];
      nlohmann::json run = {{"objective", game.objective}, {"regulariser", game.regulariser}, {"rule", rule.name}};
      // Near the equilibrium (deterministic games only: instance noise's
      // draws would swamp a trajectory this small).
      const bool noisy = game.regulariser.rfind("noise", 0) == 0;
      std::optional<double> growth, closedGrowth;
      if (!noisy) {
        auto near = diracTrainer(game, &rule, eta, 1e-4, 0.5e-4);
        growth = fittedGrowth(trajectory(*near, {1e-4, 0.5e-4}, 40), rule.name == "optimistic");
        run["growth"] = *growth;
      }
      if (closedJ && rule.name != "unrolled") {
        closedGrowth = eval::stepGrowth(rule.name, *closedJ, eta, rule.consensusWeight);
        run["growth_closed_form"] = *closedGrowth;
      }
      if (growth && closedGrowth) {
        worstGrowth = std::max(worstGrowth, std::abs(*growth - *closedGrowth));
        run["growth_error"] = std::abs(*growth - *closedGrowth);
      }
      growthTable << fmt::format(
          "| {} | {} | {} | {} | {} | {} |\n", game.objective, game.regulariser, rule.name,
          growth ? fmt::format("{:.6f}", *growth) : "— (stochastic)",
          closedGrowth ? fmt::format("{:.6f}", *closedGrowth) : "—",
          growth && closedGrowth ? fmt::format("{:.1e}", std::abs(*growth - *closedGrowth)) : "—");

      // From the authors' start (1, 1).
      auto far = diracTrainer(game, &rule, eta, 1.0, 1.0);
      auto points = trajectory(*far, {1.0, 1.0}, request.steps);
      const double start = std::hypot(1.0, 1.0);
      double tail = 0;
      const auto tailSteps = std::max<int64_t>(request.steps / 10, 1);
      for (int64_t t = request.steps - tailSteps + 1; t <= request.steps; ++t)
        tail += std::hypot(points[static_cast<size_t>(t)].theta, points[static_cast<size_t>(t)].psi);
      tail /= static_cast<double>(tailSteps);
      const bool converges = std::isfinite(tail) && tail < 0.05 * start;
      const double final = std::hypot(points.back().theta, points.back().psi);
      run["final_distance"] = std::isfinite(final) ? nlohmann::json(final) : nlohmann::json();
      run["converges"] = converges;
      std::string paper = "—";
      if (game.paperConverges && (rule.name == "simultaneous" || rule.name == "alternating")) {
        ++paperRows;
        paperMatches += converges == *game.paperConverges;
        run["paper_converges"] = *game.paperConverges;
        paper = fmt::format("{}{}", *game.paperConverges ? "yes" : "no",
                            converges == *game.paperConverges ? "" : " (differs)");
      }
      convergenceTable << fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", game.objective, game.regulariser,
                                      rule.name, std::isfinite(final) ? fmt::format("{:.3g}", final) : "diverged",
                                      converges ? "yes" : "no", paper,
                                      closedGrowth ? (*closedGrowth < 1 ? "yes" : "no") : "—");
      runs.push_back(run);

      io::ChartSeries series;
      series.label = rule.name;
      series.color = io::palette(r);
      for (const auto& p : points) {
        if (!std::isfinite(p.theta) || !std::isfinite(p.psi)) break;
        series.x.push_back(p.theta);
        series.y.push_back(p.psi);
      }
      portrait.series.push_back(series);
    }
    io::writeChartPng(request.out / ("portrait-" + game.slug() + ".png"), portrait);
  }

  report["worst_spectrum_error"] = worstSpectrum;
  report["worst_growth_error"] = worstGrowth;
  report["paper_rows"] = paperRows;
  report["paper_matches"] = paperMatches;
  writeFileAtomic(request.out / "table.json", report.dump(2) + "\n");

  std::ostringstream md;
  md << "# The Dirac-GAN under each rule, game and regulariser\n\n"
     << "Written by `gantry dynamics` (step " << eta << ", " << request.steps
     << " steps from (θ, ψ) = (1, 1); batch 1024; consensus γ = " << kConsensus
     << "; unrolled K = 5; instance noise σ = " << kNoise << "; docs/dynamics.md explains each column).\n\n"
     << "## Eigenvalues of the field's Jacobian at the equilibrium (0, 0)\n\n"
     << spectraTable.str() << "\nLargest error against the closed forms: " << fmt::format("{:.1e}", worstSpectrum)
     << ".\n\n## Growth of the distance to the equilibrium per step, near it\n\n"
     << "ρ of the trainer's one-step map fitted to 40 steps from (10⁻⁴, 5·10⁻⁵), against ρ of the closed-form map "
        "(simultaneous I + ηJ, alternating D then G, extragradient I + ηJ + η²J², optimistic's companion map, "
        "consensus I + η(J − γJᵀJ)). On the bilinear game (wgan, none): √(1 + η²), 1, √(1 − η² + η⁴).\n\n"
     << growthTable.str() << "\nLargest error against the closed forms: " << fmt::format("{:.1e}", worstGrowth)
     << ".\n\n## Convergence from (1, 1)\n\n"
     << "Converges: the mean distance over the last 10% of steps is below 5% of the start's. Mescheder et al. "
        "2018's verdicts (simultaneous and alternating steps): "
     << paperMatches << " of " << paperRows << " rows agree.\n\n"
     << convergenceTable.str();
  writeFileAtomic(request.out / "table.md", md.str());
  if (!request.quiet)
    std::cout << fmt::format(
        "wrote {}: spectra within {:.1e} and growth within {:.1e} of the closed forms; {} of {} convergence verdicts "
        "as in Mescheder et al. 2018\n",
        (request.out / "table.md").string(), worstSpectrum, worstGrowth, paperMatches, paperRows);
  return 0;
}

}  // namespace gantry::app
