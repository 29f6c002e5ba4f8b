#pragma once

#include <string>

namespace gantry::report {

/// The report page's files, compiled in from assets/report/ and uPlot's
/// dist/ (CMakeLists.txt), each as pieces ending in nullptr.
extern const char* const kPageTemplate[];
extern const char* const kPageScript[];
extern const char* const kPageStyle[];
extern const char* const kChartScript[];
extern const char* const kChartStyle[];

/// One asset's text.
inline std::string assetText(const char* const pieces[]) {
  std::string text;
  for (int i = 0; pieces[i]; ++i) text += pieces[i];
  return text;
}

}  // namespace gantry::report
