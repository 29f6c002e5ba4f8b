#!/usr/bin/python3
"""The driver of bench/run (see docs/performance.md); Python standard library only.

In one run: this machine's sgemm peak, gantry against the PyTorch reference
(bench/reference.py) on the presets mnist-mlp and ring8 with the same
threads, warm-up and timed steps, gantry's cost as mnist-mlp's batch size
and layer widths grow, and ring8 populations (population = N) against single
runs. Writes one JSON report.
"""

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GANTRY = REPO / "build" / "gantry"
PYTHON = "/usr/bin/python3"  # Debian's, with python3-torch (the pyenv python3 on PATH has no torch)

PRESETS = ["mnist-mlp", "ring8"]
SCALING_PRESET = "mnist-mlp"
BATCH_SIZES = [50, 100, 200, 400]
WIDTH_SCALES = [0.25, 0.5, 1.0, 2.0]
POPULATION_PRESET = "ring8"
POPULATION_SIZES = [1, 4, 16, 64, 256]
GAME_METRICS = ["d_loss", "g_loss", "d_real", "d_fake", "value"]


@dataclass
class Plan:
    """Step counts: (warm-up, timed) per preset and per scaling point; sgemm size and repeats;
    rounds of the gantry/PyTorch comparison (each round runs both, one after the other)."""

    preset_steps: dict
    scaling_steps: tuple
    sgemm_size: int
    sgemm_repeats: int
    ceiling_repeats: int
    rounds: int
    # population = N: warm-up steps, and member-steps timed (steps = member-steps / N)
    population_steps: tuple = (20, 6400)
    population_sizes: tuple = tuple(POPULATION_SIZES)


FULL = Plan({"mnist-mlp": (100, 1000), "ring8": (200, 3000)}, (20, 200), 4096, 5, 50, 3)
QUICK = Plan({"mnist-mlp": (10, 30), "ring8": (20, 200)}, (5, 15), 1024, 3, 3, 1, (5, 320), (1, 4, 16))


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------ processes


def run_measured(command, env):
    """Runs a child to completion; returns its output (stdout and stderr) and its own peak RSS in MB."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    output = process.stdout.read()
    process.stdout.close()
    # wait4 gives this child's rusage alone (RUSAGE_CHILDREN would be the maximum over all children so far).
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, command))} failed (exit {process.returncode}):\n{output}")
    return output, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def last_json_line(output):
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------- FLOP count


def matmul_shapes(in_features, hidden, out_features, activation, pieces):
    """(in, out) of each Linear of an MLP; a maxout layer of u units is one Linear to u * pieces."""
    factor = pieces if activation == "maxout" else 1
    widths = [in_features] + list(hidden)
    return [(i, o * factor) for i, o in zip(widths, widths[1:])] + [(widths[-1], out_features)]


def sample_size(config):
    """Numbers per sample (app/RunSetup.cpp sampleShape)."""
    dataset = config["dataset"]
    if dataset in ("mnist", "fashion"):
        return 28 * 28
    if dataset == "images":
        return (1 if config["grayscale"] else 3) * config["image_size"] ** 2
    return {"gaussian1d": 1, "ring8": 2, "grid25": 2}[dataset]


def flops_per_step(config):
    """FLOPs of the matrix products of one training step (one G update and its d_steps D updates),
    counted from the layer shapes as src/gantry/train/Trainer.cpp runs them.

    A Linear on a batch of n rows, in -> out, costs 2*n*in*out in the forward pass, and as much
    again for each gradient the backward pass computes: the input's (dY W) and the weight's
    (dY^T X). Autograd computes only the gradients that a requested leaf needs, so a network's
    first layer computes no input gradient when its input is data, noise, or G's output under
    no_grad. With F(X) = sum of 2*n*in*out over X's layers and F'(X) the same without X's first
    layer:
      D step (alternating):  G forward under no_grad              F(G)
                             D forward on real and on fake        2 F(D)
                             backward, both passes: D's weight
                             gradients and input gradients        2 (F(D) + F'(D))
      G step (D frozen):     G and D forward on fake              F(G) + F(D)
                             backward: D's input gradients        F(D)
                             G's weight and input gradients       F(G) + F'(G)
      simultaneous step:     G forward, D on real and fake        F(G) + 2 F(D)
                             grad(D loss, D's parameters)         2 (F(D) + F'(D))
                             grad(G loss, G's parameters): a
                             second backward through D on fake    F(D) + F(G) + F'(G)
    A step is d_steps D steps and a G step (alternating), or d_steps - 1 D steps and a
    simultaneous step. Biases, activations, dropout, losses and optimizer updates are elementwise
    and not counted, so this is a lower bound on the work.
    """
    return sum(2 * n * i * o for _, n, i, o in step_products(config))


def step_products(config):
    """The matrix products of one step, [kind, n, in, out] per Linear product, in the order of the
    model in flops_per_step: "forward" (x W^T), "input_grad" (g W), "weight_grad" (g^T x)."""
    if config["penalty"] != "none" or config["objective"] == "wgan-gp":
        raise ValueError("the FLOP count covers runs without a gradient penalty")
    n, pieces, data = config["batch_size"], config["maxout_pieces"], sample_size(config)
    g = matmul_shapes(config["latent_dim"], config["g_hidden"], data, config["g_activation"], pieces)
    d = matmul_shapes(data, config["d_hidden"], 1, config["d_activation"], pieces)

    def forward(shapes):  # F(X)
        return [["forward", n, i, o] for i, o in shapes]

    def input_grads(shapes):  # F(X), or F'(X) for shapes[1:]
        return [["input_grad", n, i, o] for i, o in shapes]

    def weight_grads(shapes):
        return [["weight_grad", n, i, o] for i, o in shapes]

    d_backward = weight_grads(d) + input_grads(d[1:])
    g_backward = weight_grads(g) + input_grads(g[1:])
    d_step = forward(g) + 2 * forward(d) + 2 * d_backward
    if config["update"] == "simultaneous":
        both = forward(g) + 2 * forward(d) + 2 * d_backward + input_grads(d) + g_backward
        return (config["d_steps"] - 1) * d_step + both
    g_step = forward(g) + forward(d) + input_grads(d) + g_backward
    return config["d_steps"] * d_step + g_step


# ---------------------------------------------------------------- timing


def log_every(warmup, steps):
    """A metrics line falls on the last warm-up step and on the last timed step."""
    return math.gcd(warmup, steps)


def flat_config(toml):
    """config.toml's keys by their flat names: its sections ([run], [mlp], ...)
    only group them, and no key name is used in two sections."""
    flat = {}
    for key, value in toml.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def time_gantry(preset, warmup, steps, threads, env, overrides=()):
    """gantry's steps/s over `steps` steps after `warmup`, from its metrics.jsonl
    (elapsed_s counts from the first step, after data loading and model building)."""
    with tempfile.TemporaryDirectory(prefix="gantry-bench-") as tmp:
        run = Path(tmp) / "run"
        settings = [f"log_every={log_every(warmup, steps)}", "sample_every=0", "checkpoint_every=0"]
        settings += [f"threads={threads}", *overrides]
        command = [GANTRY, "train", "--preset", preset, "--out", run, "--steps", str(warmup + steps), "--quiet"]
        for setting in settings:
            command += ["--set", setting]
        _, rss = run_measured(command, env)
        lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        elapsed = {line["step"]: line["elapsed_s"] for line in lines}
        config = flat_config(tomllib.loads((run / "config.toml").read_text()))
    return {
        "steps_per_s": steps / (elapsed[warmup + steps] - elapsed[warmup]),
        "peak_rss_mb": rss,
        "flops_per_step": flops_per_step(config),
        "config": config,
        "last_metrics": lines[-1],
    }


def time_reference(preset, warmup, steps, threads, env):
    command = [PYTHON, REPO / "bench" / "reference.py", "--preset", preset, "--steps", str(steps)]
    command += ["--warmup", str(warmup), "--log-every", str(log_every(warmup, steps)), "--threads", str(threads)]
    output, rss = run_measured(command, env)
    result = last_json_line(output)
    return {"steps_per_s": result["steps_per_s"], "peak_rss_mb": rss, "last_metrics": result["last_metrics"]}


def measure_gemm_ceiling(config, plan, threads, env, dtype="float32"):
    """bench/gemm_ceiling.py on the products of one step of `config`: the GFLOP/s of its matrix
    products alone, back to back, with the same threads as the training run (for bf16: oneDNN's,
    the intra-op threads)."""
    command = [PYTHON, REPO / "bench" / "gemm_ceiling.py", "--products", json.dumps(step_products(config))]
    command += ["--repeats", str(plan.ceiling_repeats), "--threads", str(threads), "--dtype", dtype]
    output, _ = run_measured(command, env)
    return last_json_line(output)


def measure_sgemm(plan, threads, env):
    """bench/sgemm.py's result, with the kernel OpenBLAS picked for this CPU (its "Core:" line)."""
    command = [PYTHON, REPO / "bench" / "sgemm.py", "--size", str(plan.sgemm_size)]
    command += ["--repeats", str(plan.sgemm_repeats), "--threads", str(threads)]
    output, _ = run_measured(command, {**env, "OPENBLAS_VERBOSE": "2"})
    cores = [line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("Core:")]
    return {**last_json_line(output), "openblas_core": cores[0] if cores else None}


# ---------------------------------------------------------------- report


def gantry_blas_threads(preset):
    """The OpenBLAS threads gantry picks for a run of `preset` (`gantry info --preset`)."""
    output = subprocess.run([GANTRY, "info", "--preset", preset], capture_output=True, text=True, check=True).stdout
    return next(int(line.split(":")[1]) for line in output.splitlines() if line.startswith("OpenBLAS threads:"))


def has_bf16_instructions():
    """Whether this CPU has AVX-512 BF16, where `precision = bf16` runs native bfloat16 products."""
    flags = Path("/proc/cpuinfo").read_text().split()
    return "avx512_bf16" in flags or "amx_bf16" in flags


def compare_preset(preset, plan, threads, blas_threads, env, peak):
    """The report's entry for one preset, and gantry's resolved config of it. Both sides run with
    the same OpenBLAS threads: `blas_threads`, or else the number gantry picks for the preset."""
    warmup, steps = plan.preset_steps[preset]
    blas = blas_threads or gantry_blas_threads(preset)
    env = {**env, "OPENBLAS_NUM_THREADS": str(blas)}
    # Interleaved rounds, medians: this machine's speed drifts by ±15% over minutes, and each
    # round exposes both programs to the same conditions.
    gantry_runs, python_runs = [], []
    for round_ in range(1, plan.rounds + 1):
        log(f"{preset}: round {round_}/{plan.rounds}: gantry, {warmup} warm-up + {steps} timed steps")
        gantry_runs.append(time_gantry(preset, warmup, steps, threads, env, [f"blas_threads={blas}"]))
        log(f"{preset}: gantry {gantry_runs[-1]['steps_per_s']:.1f} steps/s; now the PyTorch reference")
        python_runs.append(time_reference(preset, warmup, steps, threads, env))
        log(f"{preset}: PyTorch reference {python_runs[-1]['steps_per_s']:.1f} steps/s")
    gantry_speeds = [run["steps_per_s"] for run in gantry_runs]
    python_speeds = [run["steps_per_s"] for run in python_runs]
    gantry = {**gantry_runs[0], "steps_per_s": statistics.median(gantry_speeds)}
    python = {"steps_per_s": statistics.median(python_speeds)}
    gflops = gantry["flops_per_step"] * gantry["steps_per_s"] / 1e9
    # Same seed, same ops, same RNG draws in the same order: the two runs' last metrics lines
    # agree to the bit unless the reference no longer mirrors gantry's trainer.
    same = all(
        g["last_metrics"][key] == p["last_metrics"][key]
        for g in gantry_runs
        for p in python_runs
        for key in GAME_METRICS
    )
    if not same:
        log(f"{preset}: warning: the reference's metrics differ from gantry's; check bench/reference.py")
    ceiling = measure_gemm_ceiling(gantry["config"], plan, threads, env)
    log(f"{preset}: the step's matrix products alone {ceiling['gflops']:.1f} GFLOP/s")
    bf16 = None
    if has_bf16_instructions():
        # gantry's own threads: its products then run in oneDNN on every core.
        bf16 = time_gantry(preset, warmup, steps, threads, env, ["threads=0", "blas_threads=0", "precision=bf16"])
        log(f"{preset}: gantry with precision = bf16 {bf16['steps_per_s']:.1f} steps/s")
        cores = len(os.sched_getaffinity(0))
        bf16_ceiling = measure_gemm_ceiling(gantry["config"], plan, cores, env, "bf16")
        log(f"{preset}: the step's matrix products alone in bf16 {bf16_ceiling['gflops']:.1f} GFLOP/s")
    entry = {
        "openblas_threads": blas,
        "warmup_steps": warmup,
        "timed_steps": steps,
        "rounds": plan.rounds,
        "gantry_steps_per_s": gantry["steps_per_s"],
        "python_steps_per_s": python["steps_per_s"],
        "ratio": gantry["steps_per_s"] / python["steps_per_s"],
        "gantry_steps_per_s_runs": gantry_speeds,
        "python_steps_per_s_runs": python_speeds,
        "ratio_runs": [g / p for g, p in zip(gantry_speeds, python_speeds)],
        "flops_per_step": gantry["flops_per_step"],
        "gantry_gflops": gflops,
        "peak_fraction": gflops / peak,
        "gemm_ceiling_gflops": ceiling["gflops"],
        "gemm_ceiling_peak_fraction": ceiling["gflops"] / peak,
        "ceiling_fraction": gflops / ceiling["gflops"],
        "gantry_peak_rss_mb": max(run["peak_rss_mb"] for run in gantry_runs),
        "python_peak_rss_mb": max(run["peak_rss_mb"] for run in python_runs),
        "same_metrics": same,
    }
    if bf16:
        entry["gantry_bf16_steps_per_s"] = bf16["steps_per_s"]
        entry["bf16_speedup"] = bf16["steps_per_s"] / gantry["steps_per_s"]
        entry["gantry_bf16_peak_rss_mb"] = bf16["peak_rss_mb"]
        # Amdahl: the float32 step with its products' time swapped for the bf16 products' time.
        step_s = 1 / gantry["steps_per_s"]
        products_s = gantry["flops_per_step"] / (ceiling["gflops"] * 1e9)
        bf16_products_s = gantry["flops_per_step"] / (bf16_ceiling["gflops"] * 1e9)
        entry["bf16_gemm_ceiling_gflops"] = bf16_ceiling["gflops"]
        entry["bf16_speedup_bound"] = step_s / (step_s - products_s + bf16_products_s)
    return entry, gantry["config"]


def scaling_point(overrides, plan, threads, env, peak):
    warmup, steps = plan.scaling_steps
    result = time_gantry(SCALING_PRESET, warmup, steps, threads, env, overrides)
    config = result["config"]
    gflops = result["flops_per_step"] * result["steps_per_s"] / 1e9
    log(f"scaling {' '.join(overrides)}: {result['steps_per_s']:.1f} steps/s, {gflops:.1f} GFLOP/s")
    return {
        "batch_size": config["batch_size"],
        "g_hidden": config["g_hidden"],
        "d_hidden": config["d_hidden"],
        "steps_per_s": result["steps_per_s"],
        "flops_per_step": result["flops_per_step"],
        "gflops": gflops,
        "peak_fraction": gflops / peak,
        "peak_rss_mb": result["peak_rss_mb"],
    }


def scaling(base, plan, threads, env, peak):
    """gantry on the preset `base` as the batch grows (widths as the preset's) and as every hidden
    layer of G and D widens by the same factor (batch as the preset's)."""
    by_batch = [scaling_point([f"batch_size={b}"], plan, threads, env, peak) for b in BATCH_SIZES]
    by_width = []
    for scale in WIDTH_SCALES:
        widths = {key: ",".join(str(round(w * scale)) for w in base[key]) for key in ("g_hidden", "d_hidden")}
        point = scaling_point([f"{key}={value}" for key, value in widths.items()], plan, threads, env, peak)
        by_width.append({"width_scale": scale, **point})
    warmup, steps = plan.scaling_steps
    return {
        "preset": SCALING_PRESET,
        "warmup_steps": warmup,
        "timed_steps": steps,
        "batch_size": by_batch,
        "width": by_width,
    }


def population(plan, threads, env):
    """gantry training N ring8 GANs in one process (population = N, docs/population.md): aggregate
    member-steps/s and peak memory per N, and the aggregate against one run's steps/s (what N
    single runs one after another reach)."""
    warmup, member_steps = plan.population_steps
    points = []
    for n in plan.population_sizes:
        steps = max(10, member_steps // n)
        result = time_gantry(POPULATION_PRESET, warmup, steps, threads, env, [f"population={n}"])
        points.append(
            {
                "population": n,
                "timed_steps": steps,
                "steps_per_s": result["steps_per_s"],
                "member_steps_per_s": n * result["steps_per_s"],
                "peak_rss_mb": result["peak_rss_mb"],
            }
        )
        log(f"population {n}: {n * result['steps_per_s']:.1f} member-steps/s, {result['peak_rss_mb']:.0f} MB")
    single = points[0]["member_steps_per_s"] if points[0]["population"] == 1 else None
    for point in points:
        point["against_single_runs"] = point["member_steps_per_s"] / single if single else None
    return {"preset": POPULATION_PRESET, "warmup_steps": warmup, "points": points}


def gantry_info():
    """LibTorch version and the BLAS libraries the gantry process really loaded (`gantry info`)."""
    output = subprocess.run([GANTRY, "info"], capture_output=True, text=True, check=True).stdout
    info = {"libtorch": None, "blas_loaded": []}
    for line in output.splitlines():
        if line.startswith("LibTorch "):
            info["libtorch"] = line.split(" ", 1)[1]
        elif line.startswith("BLAS: "):
            info["blas_loaded"].append(line.split(" ", 1)[1])
    return info


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    os_release = dict(
        line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
    )
    torch_version = subprocess.run(
        [PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        "cpu": model,
        "vector_extensions": [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags],
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "os": os_release.get("PRETTY_NAME", "?").strip('"'),
        "kernel": platform.release(),
        **gantry_info(),
        "python_torch": torch_version,
        "gantry_commit": subprocess.run(
            ["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True, text=True
        ).stdout.strip(),
    }


def prepare(build):
    """What a fresh clone needs: packages, OpenBLAS, MNIST (scripts/setup), then the gantry program."""
    subprocess.run([REPO / "scripts" / "setup"], check=True)
    if build:
        subprocess.run([REPO / "scripts" / "build", "--cli"], check=True)
    elif not GANTRY.exists():
        sys.exit(f"bench: {GANTRY} does not exist; run without --no-build")


def main():
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="sgemm peak, gantry against the PyTorch reference on mnist-mlp and ring8, "
        "and scaling with batch size and width; one JSON report (docs/performance.md)",
    )
    parser.add_argument("--out", required=True, type=Path, help="the JSON report to write")
    parser.add_argument("--quick", action="store_true", help="few steps everywhere: checks the harness, not the speed")
    parser.add_argument("--no-build", action="store_true", help="time build/gantry as it is (no scripts/build --cli)")
    parser.add_argument(
        "--threads", type=int, default=1, help="LibTorch intra-op threads, for gantry and PyTorch (gantry's default: 1)"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="OpenBLAS threads for both sides of every comparison (default: what gantry picks for "
        "each preset, `gantry info --preset P`); the sgemm peak and the scaling points use all cores",
    )
    parser.add_argument(
        "--rounds", type=int, default=0, help="rounds of each gantry/PyTorch comparison (default: 3; --quick: 1)"
    )
    args = parser.parse_args()

    prepare(build=not args.no_build)
    plan = QUICK if args.quick else FULL
    if args.rounds > 0:
        plan = dataclasses.replace(plan, rounds=args.rounds)
    all_cores = len(os.sched_getaffinity(0))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(args.blas_threads or all_cores)}
    report = {
        "command": " ".join(["bench/run", *sys.argv[1:]]),
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "threads": {
            "torch_intra_op": args.threads,
            "openblas": args.blas_threads or "per preset: what gantry picks (presets.P.openblas_threads)",
            "openblas_sgemm": args.blas_threads or all_cores,
            "openblas_scaling": "what gantry picks for each point (blas_threads = 0)",
            "note": "intra-op threads the same for gantry (--set threads) and the PyTorch reference "
            "(torch.set_num_threads); OpenBLAS threads the same for both sides of each preset "
            "(gantry --set blas_threads, OPENBLAS_NUM_THREADS for Python)",
        },
        "load_average_start": os.getloadavg(),
    }
    log(f"sgemm peak: {plan.sgemm_size}^2 float32 torch.mm, best of {plan.sgemm_repeats}")
    sgemm = measure_sgemm(plan, args.threads, env)
    peak = sgemm["gflops"]
    log(f"sgemm peak {peak:.1f} GFLOP/s")
    report["sgemm_peak_gflops"] = peak
    report["sgemm"] = {
        "size": sgemm["size"],
        "best_of": sgemm["repeats"],
        "openblas_core": sgemm["openblas_core"],
        "via": "torch.mm in Debian's python3-torch: the same libtorch1.13 and system BLAS as gantry",
    }
    report["presets"] = {}
    configs = {}
    for preset in PRESETS:
        report["presets"][preset], configs[preset] = compare_preset(
            preset, plan, args.threads, args.blas_threads, env, peak
        )
    report["scaling"] = scaling(configs[SCALING_PRESET], plan, args.threads, env, peak)
    report["population"] = population(plan, args.threads, env)
    report["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"report written to {args.out}")


if __name__ == "__main__":
    main()
