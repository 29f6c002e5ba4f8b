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

/// Each Dirac-GAN run's field, beside its trajectory.
void addDiracFields(nlohmann::json& data, const std::vector<std::filesystem::path>& runs) {
  for (size_t i = 0; i < runs.size(); ++i) {
    auto& run = data["runs"][i];
    std::error_code ec;
    if (isDiracRun(run) && std::filesystem::exists(RunFolder{runs[i]}.checkpoint(), ec))
      run["dirac"] = {{"field", diracField(runs[i], run["metrics"])}};
  }
}

}  // namespace

int report(const ReportRequest& request) {
  if (request.out.extension() != ".html")
    throw UserError(fmt::format("--out {} must end in .html", request.out.string()));
  auto data = report::pageData(request.runs);
  addDiracFields(data, request.runs);
  createParentFolder(request.out);
  writeFileAtomic(request.out, report::pageHtml(data));
  if (!request.quiet) std::cout << fmt::format("report: {}\n", request.out.string());
  return 0;
}

void writeRunReport(const std::filesystem::path& run, bool final) {
  auto data = report::pageData({run});
  const auto page = run / "report.html";
  writeFileAtomic(page, report::pageHtml(data));
  // The Dirac-GAN's field loads a second trainer from the checkpoint, which
  // reseeds LibTorch's generator and sets the threads of the dynamics tools:
  // so only once the training is over, when nothing trains after it in this
  // process but a training of its own, which sets both again. The page
  // without it is written first, in case the field fails.
  if (!final || !isDiracRun(data["runs"][0])) return;
  addDiracFields(data, {run});
  writeFileAtomic(page, report::pageHtml(data));
}

}  // namespace gantry::app
