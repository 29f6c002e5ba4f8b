"""The cost of the all-reduce a data-parallel gantry step makes (docs/distributed.md).

    /usr/bin/python3 bench/allreduce.py [--ranks 2] [--repeats 200] [--gantry build/gantry]

For each preset, the float32 gradients of both players (their sizes from
`gantry info --preset P`) are all-reduced between local processes over the
loopback through c10d's Gloo process group: the same LibTorch 1.13 engine
(Debian's python3-torch over libtorch1.13) that `gantry train --nproc` calls.
gantry sends each player's gradients in buckets of at most 16 MB, one player
after the other, so one step's cost is the sum of the two players' times.
Prints one JSON line per preset: median and 10th/90th percentile times.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

BUCKET = 1 << 22  # gantry/train/DataParallel.h: kBucketElements


def parameter_counts(gantry, preset):
    out = subprocess.run([gantry, "info", "--preset", preset], check=True, capture_output=True, text=True).stdout
    match = re.search(r"parameters: G (\d+), D (\d+)", out)
    if not match:
        sys.exit(f"allreduce: no parameter line in `gantry info --preset {preset}`")
    return int(match.group(1)), int(match.group(2))


def buckets(count):
    sizes = []
    while count > 0:
        sizes.append(min(count, BUCKET))
        count -= sizes[-1]
    return sizes


def worker(rank, ranks, port, jobs, repeats, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    for preset, g, d in jobs:
        tensors = [torch.randn(n) for n in buckets(g) + buckets(d)]
        for t in tensors:  # warm-up: connections, buffers
            dist.all_reduce(t)
        times = []
        for _ in range(repeats):
            dist.barrier()
            start = time.perf_counter()
            for t in tensors:
                dist.all_reduce(t)
            times.append(time.perf_counter() - start)
        if rank == 0:
            times.sort()
            queue.put({
                "preset": preset,
                "ranks": ranks,
                "parameters": g + d,
                "megabytes": 4e-6 * (g + d),
                "median_us": 1e6 * times[len(times) // 2],
                "p10_us": 1e6 * times[len(times) // 10],
                "p90_us": 1e6 * times[(9 * len(times)) // 10],
            })
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--gantry", default="build/gantry")
    parser.add_argument("--port", type=int, default=29611)
    parser.add_argument("--presets", default="ring8,grid25,mnist-mlp,dcgan-mnist,acgan-mnist")
    args = parser.parse_args()
    jobs = [(p, *parameter_counts(args.gantry, p)) for p in args.presets.split(",")]
    queue = mp.get_context("spawn").SimpleQueue()
    mp.spawn(worker, args=(args.ranks, args.port, jobs, args.repeats, queue), nprocs=args.ranks)
    while not queue.empty():
        print(json.dumps(queue.get()))


if __name__ == "__main__":
    main()
