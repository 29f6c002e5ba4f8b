#pragma once

#include "gantry/core/Overlap.h"

namespace gantry::test {

/// Turns overlapped products on or off for a test's scope.
class OverlapScope {
 public:
  explicit OverlapScope(bool on) : previous_(overlapEnabled()) { setOverlap(on); }
  ~OverlapScope() { setOverlap(previous_); }
  OverlapScope(const OverlapScope&) = delete;
  OverlapScope& operator=(const OverlapScope&) = delete;

 private:
  bool previous_;
};

}  // namespace gantry::test
