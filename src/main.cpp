#include "gantry/app/Cli.h"

int main(int argc, char** argv) { return gantry::app::runCli(argc, argv); }
