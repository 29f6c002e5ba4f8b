// libFuzzer target: gantry::data::readIdx (MNIST's IDX format, plain or gzip).
#include "FuzzSupport.h"

#include "gantry/data/Idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = gantry::fuzz::scratchFile("input-ubyte");
  gantry::fuzz::writeBytes(path, data, size);
  gantry::fuzz::expectReadOrUserError([&] { (void)gantry::data::readIdx(path); });
  return 0;
}
