"""How much a population of ring8 GANs in one process could gain (docs/performance.md).

    /usr/bin/python3 bench/population_bound.py [--gantry build/gantry] [--threads 1]

A population step makes the same matrix products as its members' single
runs, stacked: it cannot run them faster than the machine multiplies
matrices. This measures, on the same threads, (1) a single ring8 run's
steps/s (gantry, start-up left out), (2) the float32 rate of batched
products of ring8's shapes ([N, 128, 128] x [N, 128, 128] through
torch.bmm, the best of N = 1..256) and of one large sgemm (4096^2), and
(3) the floating-point operations of a ring8 step (the products of its
alternating D and G updates, counted below). The most a population can
reach is the best rate / the operations of a member's step, in member-steps
per second; its ratio to (1) bounds the gain over single runs.
"""

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch


def ring8_step_flops(batch=128, width=128, layers=3, data=2, latent=2):
    """Multiply-adds x 2 of one alternating step of ring8's MLPs."""
    g = latent * width + (layers - 1) * width * width + width * data  # G's forward, per sample
    d = data * width + (layers - 1) * width * width + width * 1  # D's forward, per sample
    # D's update: G forward (no graph), D forward on real and fake, D backward
    # (input and weight gradients) on both; G's update: G forward, D forward,
    # D backward to its input only (D frozen), G backward (both gradients).
    d_update = g + 2 * d + 2 * 2 * d
    g_update = g + d + d + 2 * g
    return 2 * batch * (d_update + g_update)


def gantry_steps_per_s(gantry, threads):
    def run(steps, folder):
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([gantry, "train", "--quiet", "--preset", "ring8", "--steps", str(steps), "--seed", "1",
                        "--set", f"threads={threads}", "--set", f"blas_threads={threads}", "--set",
                        f"overlap={'true' if threads > 1 else 'false'}", "--set", "sample_every=0", "--set",
                        "eval_every=0", "--set", "checkpoint_every=0", "--out", str(folder)], check=True)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        return 4000 / (run(4500, folder) - run(500, folder))


def rate(f, flops, repeats=20):
    f()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            f()
        best = min(best, (time.perf_counter() - start) / repeats)
    return flops / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gantry", default="build/gantry")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flops = ring8_step_flops()
    single = gantry_steps_per_s(args.gantry, args.threads)
    print(f"ring8 step: {flops / 1e6:.1f} MFLOP; single run {single:.0f} steps/s = {single * flops / 1e9:.1f} GFLOP/s")
    big = torch.randn(4096, 4096)
    sgemm = rate(lambda: torch.mm(big, big), 2 * 4096**3, repeats=3)
    print(f"sgemm 4096^2: {sgemm:.1f} GFLOP/s")
    best = 0.0
    for n in (1, 4, 16, 64, 256):
        a, b = torch.randn(n, 128, 128), torch.randn(n, 128, 128)
        r = rate(lambda: torch.bmm(a, b), 2 * n * 128**3)
        best = max(best, r)
        print(f"bmm [{n}, 128, 128]: {r:.1f} GFLOP/s")
    ceiling = max(best, sgemm) * 1e9 / flops
    print(f"most a population could reach: {ceiling:.0f} member-steps/s, {ceiling / single:.1f}x the single run")


if __name__ == "__main__":
    main()
