// libFuzzer target: a config file (TOML, checked against the training schema)
// and the typed settings with their rules between keys, as `gantry train
// --config FILE` reads them before anything is created.
#include "FuzzSupport.h"

#include "gantry/app/RunSettings.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Config.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = gantry::fuzz::scratchFile("config.toml");
  gantry::fuzz::writeBytes(path, data, size);
  gantry::fuzz::expectReadOrUserError([&] {
    gantry::Config config(gantry::app::trainingSchema());
    config.mergeToml(path);
    (void)gantry::app::readSettings(config);
  });
  return 0;
}
