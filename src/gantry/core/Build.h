#pragma once

namespace gantry {

/// The git commit this binary was built from (12 hex digits, "-dirty" when
/// tracked files differed from it; "unknown" outside a git checkout).
extern const char* const kCommit;

}  // namespace gantry
