#include "gantry/eval/MetricRegistry.h"

#include "gantry/eval/ClassHistogram.h"
#include "gantry/eval/ClassifierScore.h"
#include "gantry/eval/FrechetDistance.h"
#include "gantry/eval/KernelInceptionDistance.h"
#include "gantry/eval/Memorization.h"
#include "gantry/eval/MixtureMetrics.h"
#include "gantry/eval/ParzenWindow.h"
#include "gantry/eval/PerClassMetric.h"
#include "gantry/eval/PrecisionRecall.h"

#include <fmt/format.h>

namespace gantry::eval {

const Registry<MetricEntry>& metrics() {
  static const Registry<MetricEntry> registry = [] {
    Registry<MetricEntry> r("metric");
    r.add(parzenMetric());
    r.add(modesMetric());
    r.add(frechetDistanceMetric());
    r.add(kernelInceptionDistanceMetric());
    r.add(precisionRecallMetric());
    r.add(classifierScoreMetric());
    r.add(classHistogramMetric());
    r.add(perClassMetric());
    r.add(memorizationMetric());
    return r;
  }();
  return registry;
}

namespace {

bool hasSpread(const data::DatasetEntry& dataset) {
  return dataset.isToy() && dataset.distribution()->componentStd() > 0.0;
}

}  // namespace

std::string metricMismatch(const MetricEntry& metric, const data::DatasetEntry& dataset) {
  const std::string orModes = hasSpread(dataset) ? "; use modes" : "";
  switch (metric.data) {
    case MetricData::Mixture:
      if (hasSpread(dataset)) return "";
      return fmt::format("metric '{}' needs a toy dataset (ring8, grid25, gaussian1d), not '{}'", metric.name,
                         dataset.name);
    case MetricData::Splits:
      if (dataset.hasSplits) return "";
      return fmt::format("metric '{}' needs mnist or fashion (their validation and test splits), not '{}'{}",
                         metric.name, dataset.name, orModes);
    case MetricData::Classifier:
      if (dataset.hasSplits) return "";
      return fmt::format("metric '{}' needs mnist or fashion (a classifier of their classes), not '{}'{}", metric.name,
                         dataset.name, orModes);
    case MetricData::Images:
      if (!dataset.isToy()) return "";
      return fmt::format("metric '{}' needs an image dataset (mnist, fashion, images), not '{}'{}", metric.name,
                         dataset.name, orModes);
  }
  return "";
}

}  // namespace gantry::eval
