#pragma once

#include <stdexcept>
#include <string>

namespace gantry {

/// An error caused by the user's input (a file, a config key, a run folder).
/// Its message is one line that names the file or key and says what to do;
/// the CLI prints it as is and exits non-zero.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The first line of a message: LibTorch's errors carry a backtrace after it.
inline std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace gantry
