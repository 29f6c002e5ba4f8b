#pragma once

namespace gantry::app {

/// The `gantry` command line: parses arguments, runs the command, prints any
/// user error as one line on stderr. Returns the exit status.
int runCli(int argc, char** argv);

}  // namespace gantry::app
