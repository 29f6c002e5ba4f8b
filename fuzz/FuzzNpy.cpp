// libFuzzer target: gantry::io::readNpy (what `gantry eval --samples` reads).
#include "FuzzSupport.h"

#include "gantry/io/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = gantry::fuzz::scratchFile("input.npy");
  gantry::fuzz::writeBytes(path, data, size);
  gantry::fuzz::expectReadOrUserError([&] { (void)gantry::io::readNpy(path); });
  return 0;
}
