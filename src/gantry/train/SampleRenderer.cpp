#include "gantry/train/SampleRenderer.h"

#include "gantry/io/Plot.h"
#include "gantry/io/Png.h"

#include <torch/torch.h>

#include <cmath>

namespace gantry::train {

double toyPlotExtent(const data::GaussianMixture& toy) {
  return toy.means().abs().max().item<double>() * 1.3 + 6 * toy.componentStd();
}

torch::Tensor renderSamples(const torch::Tensor& samples, const data::GaussianMixture* reference) {
  auto cpu = samples.detach().to(torch::kCPU, torch::kFloat32);
  if (cpu.dim() == 4) {
    auto cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(cpu.size(0)))));
    return io::makeGrid(cpu, cols);
  }
  auto flat = cpu.reshape({cpu.size(0), -1});
  if (flat.size(1) == 2) {
    torch::Tensor modes = reference ? reference->means() : torch::Tensor();
    double extent = 1.0;
    if (reference)
      extent = toyPlotExtent(*reference);
    else
      extent = std::max(1.0, flat.abs().max().item<double>() * 1.1);
    return io::scatterPlot(flat, modes, extent);
  }
  if (flat.size(1) == 1) {
    double lo, hi;
    // A point mass (the Dirac-GAN's data) has no density to draw.
    if (reference && reference->componentStd() <= 0.0) {
      lo = std::min(flat.min().item<double>(), reference->means().min().item<double>()) - 1.0;
      hi = std::max(flat.max().item<double>(), reference->means().max().item<double>()) + 1.0;
      return io::histogramPlot(flat.squeeze(1), lo, hi, 60, torch::Tensor());
    }
    if (reference) {
      lo = reference->means().min().item<double>() - 6 * reference->componentStd();
      hi = reference->means().max().item<double>() + 6 * reference->componentStd();
    } else {
      lo = flat.min().item<double>();
      hi = flat.max().item<double>() + 1e-6;
    }
    const int64_t bins = 60;
    torch::Tensor density;
    if (reference) {
      auto centres = torch::linspace(lo, hi, bins + 1, torch::kFloat64);
      centres = (centres.slice(0, 0, bins) + centres.slice(0, 1)) / 2;
      density = reference->density(centres.unsqueeze(1)).to(torch::kFloat32);
    }
    return io::histogramPlot(flat.squeeze(1), lo, hi, bins, density);
  }
  // Other vectors: show them as one-row images.
  return io::makeGrid(flat.unsqueeze(1).unsqueeze(1), 1);
}

}  // namespace gantry::train
