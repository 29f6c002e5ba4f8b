#include "gantry/app/Cli.h"

#include <malloc.h>

int main(int argc, char** argv) {
  // A training step frees and allocates the same tensors again every step.
  // By default glibc maps large blocks fresh from the kernel and returns freed
  // memory to it, paying page faults and zeroing each step; keeping them in
  // the heap lets the next step reuse them (bench/run measures the effect).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return gantry::app::runCli(argc, argv);
}
