#!/usr/bin/python3
"""This machine's single-precision matrix-multiply peak through LibTorch.

Best of `repeats` timings of torch.mm on two n x n float32 matrices. Debian's
python3-torch is the same libtorch1.13 as gantry's and calls the same
system BLAS (libblas.so.3, OpenBLAS after scripts/setup), so this is the
sgemm rate gantry's own matrix products can reach. The BLAS thread count
comes from the environment (OPENBLAS_NUM_THREADS), as for gantry.

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/sgemm.py --size 4096

prints one JSON object.
"""

import argparse
import json
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=4096, help="n of the n x n matrices")
    parser.add_argument("--repeats", type=int, default=5, help="timed products; the best counts")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (gantry's default: 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = args.size
    a, b, out = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)
    torch.mm(a, b, out=out)  # warm-up: BLAS thread start, page faults of `out`
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    print(
        json.dumps(
            {
                "size": n,
                "repeats": args.repeats,
                "best_s": best,
                "gflops": 2.0 * n**3 / best / 1e9,
                "threads": torch.get_num_threads(),
                "torch_version": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
