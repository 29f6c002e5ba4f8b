// gantry report, and the report.html that training keeps in each run folder.
#include "gantry/report/Report.h"
#include "gantry/app/Commands.h"
#include "gantry/app/Dynamics.h"
#include "gantry/app/RunFolder.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Error.h"

#include <fmt/format.h>

#include <cmath>
#include <iostream>

namespace gantry::app {

namespace {

/// The Dirac-GAN's expected vector field (θ, ψ) over a square that holds
/// the run's trajectory, from the run's own game at its checkpoint (the
/// field does not depend on the point the players are at).
nlohmann::json diracField(const std::filesystem::path& run, const nlohmann::json& metrics) {
  double extent = 1;
  for (const char* key : {"theta", "psi"})
    if (metrics.contains(key))
      for (const auto& v : metrics[key])
        if (v.is_number()) extent = std::max(extent, std::abs(v.get<double>()) * 1.15);
  auto game = loadTrainedGame(RunFolder{run}.checkpoint());
  const auto arrows = diracFieldArrows(*game.trainer, extent);
  return {{"xs", arrows.xs}, {"ys", arrows.ys}, {"u", arrows.u}, {"v", arrows.v}};
}

bool isDiracRun(const nlohmann::json& run) {
  return run["facts"].value("model", "") == "dirac" && run["metrics"].contains("theta") &&
         run["metrics"].contains("psi");
}

}  // namespace

int report(const ReportRequest& request) {
  if (request.out.extension() != ".html")
    throw UserError(fmt::format("--out {} must end in .html", request.out.string()));
  auto data = report::pageData(request.runs);
  for (size_t i = 0; i < request.runs.size(); ++i) {
    auto& run = data["runs"][i];
    std::error_code ec;
    if (isDiracRun(run) && std::filesystem::exists(RunFolder{request.runs[i]}.checkpoint(), ec))
      run["dirac"] = {{"field", diracField(request.runs[i], run["metrics"])}};
  }
  createParentFolder(request.out);
  writeFileAtomic(request.out, report::pageHtml(data));
  if (!request.quiet) std::cout << fmt::format("report: {}\n", request.out.string());
  return 0;
}

void writeRunReport(const std::filesystem::path& run) {
  // Without the Dirac-GAN's field: computing it here would load a second
  // trainer inside the training process (and reseed its generator).
  writeFileAtomic(run / "report.html", report::pageHtml(report::pageData({run})));
}

}  // namespace gantry::app
