"""Projected data-parallel scaling over 1-8 machines (docs/distributed.md).

    /usr/bin/python3 bench/distributed_projection.py [--gantry build/gantry]

This machine has 2 cores, so nothing is measured across machines. What is
measured here: a step's compute on one machine at the shard each of M
machines would train (global batch / M; the difference of a 450- and a
50-step run, so start-up is left out), and each preset's gradient size
(`gantry info --preset`). What is assumed: a ring all-reduce per player and
step, 2(M-1)/M x bytes / bandwidth + 2(M-1) x latency, for 1 GbE (117 MB/s,
100 us) and 10 GbE (1.17 GB/s, 50 us). bench/allreduce.py measures the
loopback's cost, which bounds what the wire adds from below.
"""

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PRESETS = {"ring8": 128, "mnist-mlp": 100, "dcgan-mnist": 64}
NETWORKS = {"1 GbE": (117e6, 100e-6), "10 GbE": (1.17e9, 50e-6)}
MACHINES = (1, 2, 4, 8)


def seconds(gantry, preset, batch, steps, folder):
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([gantry, "train", "--quiet", "--preset", preset, "--steps", str(steps), "--seed", "1",
                    "--set", f"batch_size={batch}", "--set", "sample_every=0", "--set", "eval_every=0",
                    "--set", "checkpoint_every=0", "--out", str(folder)], check=True)
    return time.perf_counter() - start


def step_ms(gantry, preset, batch, folder):
    return 1e3 * (seconds(gantry, preset, batch, 450, folder) - seconds(gantry, preset, batch, 50, folder)) / 400


def gradient_bytes(gantry, preset):
    out = subprocess.run([gantry, "info", "--preset", preset], check=True, capture_output=True, text=True).stdout
    g, d = map(int, re.search(r"parameters: G (\d+), D (\d+)", out).groups())
    return 4 * (g + d)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gantry", default="build/gantry")
    args = parser.parse_args()
    print("| preset | machines | shard | compute ms | 1 GbE: step ms (speed-up) | 10 GbE: step ms (speed-up) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for preset, batch in PRESETS.items():
            size = gradient_bytes(args.gantry, preset)
            single = None
            for m in MACHINES:
                shard = -(-batch // m)
                compute = step_ms(args.gantry, preset, shard, Path(tmp) / "run")
                single = single or compute
                cells = []
                for bandwidth, latency in NETWORKS.values():
                    wire = 0 if m == 1 else 1e3 * (2 * (m - 1) / m * size / bandwidth + 2 * 2 * (m - 1) * latency)
                    cells.append(f"{compute + wire:.1f} ({single / (compute + wire):.2f}x)")
                print(f"| {preset} | {m} | {shard} | {compute:.1f} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
