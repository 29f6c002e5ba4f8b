#!/usr/bin/python3
"""The matrix products of one training step, alone: how fast gantry could go
if everything else in a step (activations, dropout, losses, optimizer, data)
took no time.

Reads a JSON list of products [kind, n, in, out] of Linear layers, with kind
"forward" (x Wᵀ: [n, in] by [in, out]), "input_grad" (g W: [n, out] by
[out, in]) or "weight_grad" (gᵀ x: [out, n] by [n, in]), laid out as LibTorch's
Linear and its backward lay them out. Times the whole list back to back,
best of `repeats` passes after one warm-up pass, and prints one JSON object.
The BLAS thread count comes from OPENBLAS_NUM_THREADS, as for gantry.
With `--dtype bf16` the operands are bfloat16: LibTorch then multiplies in
oneDNN on its intra-op threads (`--threads`), as `precision = bf16` does.

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/gemm_ceiling.py --products '[["forward", 100, 784, 1200]]'
"""

import argparse
import json
import time

import torch


def operands(kind, n, inputs, outputs):
    x, g, w = torch.rand(n, inputs), torch.rand(n, outputs), torch.rand(outputs, inputs)
    if kind == "forward":
        return x, w.t()
    if kind == "input_grad":
        return g, w
    if kind == "weight_grad":
        return g.t(), x
    raise ValueError(f"unknown product kind {kind!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", required=True, help="JSON list of [kind, n, in, out]")
    parser.add_argument("--repeats", type=int, default=20, help="timed passes over the list; the best counts")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (gantry's default: 1)")
    parser.add_argument("--dtype", choices=["float32", "bf16"], default="float32", help="the operands' type")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    products = json.loads(args.products)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    pairs = [(a.to(dtype), b.to(dtype)) for a, b in (operands(*p) for p in products)]
    work = [(a, b, torch.empty(a.shape[0], b.shape[1], dtype=dtype)) for a, b in pairs]
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in work)
    best = float("inf")
    for repeat in range(args.repeats + 1):
        start = time.perf_counter()
        for a, b, out in work:
            torch.mm(a, b, out=out)
        if repeat:  # the first pass warms up
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"products": len(work), "flops": flops, "best_s": best, "gflops": flops / best / 1e9}))


if __name__ == "__main__":
    main()
