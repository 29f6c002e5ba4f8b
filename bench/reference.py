#!/usr/bin/python3
"""PyTorch (eager) reference of gantry's `mnist-mlp` and `ring8` presets.

A yardstick for bench/run only, never used by gantry itself. It mirrors, op
for op, what gantry's Trainer runs for each preset (src/gantry/models/Mlp.cpp,
Maxout.cpp, LatentPrior.cpp, objectives/MinimaxObjective.cpp,
train/Trainer.cpp, train/OptimizerSpec.cpp, data/BatchSource.cpp,
train/RunCallbacks.cpp), so that timing both compares the two runtimes over
the same LibTorch, not two different programs.

  /usr/bin/python3 bench/reference.py --preset ring8 --steps 500 --warmup 50

prints one JSON object: steps/s over the `steps` timed steps after `warmup`
untimed ones, this process's peak RSS, and the last read-out of the metrics,
which for the same seed and steps equals gantry's last metrics.jsonl line.
"""

import argparse
import gzip
import json
import math
import os
import resource
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

REPO = Path(__file__).resolve().parent.parent
# Where gantry looks for MNIST (app/RunSetup.cpp dataDirectory).
MNIST_DIR = Path(os.environ["GANTRY_DATA"]) / "mnist" if "GANTRY_DATA" in os.environ else REPO / "data" / "mnist"


# ----------------------------------------------------------------- data


def read_idx(path):
    """An IDX file (plain or .gz) as a numpy array, like data/Idx.cpp."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_train(data_dir):
    """MNIST train[0:50000] as float32 [N, 1, 28, 28] in [0, 1] (data/Mnist.cpp)."""
    name = "train-images-idx3-ubyte"
    path = data_dir / name
    if not path.exists():
        path = data_dir / (name + ".gz")
    images = read_idx(path)[:50000].astype(np.float32) / 255.0
    return torch.from_numpy(images).unsqueeze(1).contiguous()


class ShuffledBatches:
    """ShuffledBatchSource: each epoch a permutation seeded by (seed, epoch)."""

    def __init__(self, samples, batch_size, seed):
        self.samples, self.batch_size, self.seed = samples, batch_size, seed
        self.batches_per_epoch = samples.shape[0] // batch_size
        self.position, self.epoch, self.order = 0, -1, None

    def next(self):
        epoch, index = divmod(self.position, self.batches_per_epoch)
        if epoch != self.epoch:
            generator = torch.Generator().manual_seed(self.seed * 1000003 + epoch)
            self.order = torch.randperm(self.samples.shape[0], generator=generator)
            self.epoch = epoch
        self.position += 1
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.samples.index_select(0, rows)


class RingBatches:
    """MixtureBatchSource over ring8: 8 Gaussians on the unit circle, std 0.01,
    drawn fresh for every batch; an "epoch" is 100 batches."""

    batches_per_epoch = 100

    def __init__(self, batch_size):
        k = torch.arange(8, dtype=torch.float64) * (2.0 * math.pi / 8.0)
        self.means = torch.stack([torch.cos(k), torch.sin(k)], 1).float()
        self.batch_size, self.position = batch_size, 0

    def next(self):
        self.position += 1
        component = torch.randint(0, 8, (self.batch_size,))
        noise = torch.normal(0.0, 0.01, (self.batch_size, 2))
        return self.means.index_select(0, component) + noise


# --------------------------------------------------------------- models


class Maxout(nn.Module):
    """One Linear(in, units * pieces); unit i owns outputs i*pieces .. i*pieces + pieces - 1."""

    def __init__(self, in_features, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.units, self.pieces).max(2)[0]


def init_uniform(module, init_range):
    """Weights U(-range, range), biases 0 (the 2014 code; Mlp.cpp initUniform)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.zero_()
            else:
                p.uniform_(-init_range, init_range)


ACTIVATIONS = {
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
}


def hidden_layers(widths, activation, pieces):
    """Mlp.cpp hiddenLayer: Maxout(in, width, pieces) or Linear(in, width)."""
    if activation == "maxout":
        return nn.ModuleList(Maxout(i, o, pieces) for i, o in zip(widths, widths[1:]))
    return nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths, widths[1:]))


def hidden_activation(name):
    """Mlp.cpp hiddenForward: a maxout layer is its own activation."""
    return ACTIVATIONS["identity" if name == "maxout" else name]


class Generator(nn.Module):
    """MlpGenerator: z -> [Linear -> activation] x hidden -> Linear -> output activation -> view."""

    def __init__(self, latent_dim, hidden, output_shape, activation, output_activation):
        super().__init__()
        self.hidden = hidden_layers([latent_dim] + hidden, activation, pieces=None)
        self.activation = hidden_activation(activation)
        self.output = nn.Linear(hidden[-1], math.prod(output_shape))
        self.output_shape, self.output_activation = output_shape, ACTIVATIONS[output_activation]

    def forward(self, z):
        h = z
        for layer in self.hidden:
            h = self.activation(layer(h))
        return self.output_activation(self.output(h)).view(z.shape[0], *self.output_shape)


class Discriminator(nn.Module):
    """MlpDiscriminator: flatten -> [dropout -> hidden layer] x hidden -> dropout -> Linear(., 1).
    Dropout as keep probabilities: inputs kept with input_keep, hidden units with hidden_keep."""

    def __init__(self, in_features, hidden, activation, pieces=None, input_keep=1.0, hidden_keep=1.0):
        super().__init__()
        self.hidden = hidden_layers([in_features] + hidden, activation, pieces)
        self.activation = hidden_activation(activation)
        self.output = nn.Linear(hidden[-1], 1)
        self.input_keep, self.hidden_keep = input_keep, hidden_keep

    def forward(self, x):
        h = x.reshape(x.shape[0], -1)
        keep = self.input_keep
        for layer in self.hidden:
            if keep < 1.0:
                h = torch.dropout(h, 1.0 - keep, self.training)
            h = self.activation(layer(h))
            keep = self.hidden_keep
        if keep < 1.0:
            h = torch.dropout(h, 1.0 - keep, self.training)
        return self.output(h).squeeze(1)


# ------------------------------------------------------------ objective


def game_value(real_logits, fake_logits):
    """MinimaxObjective::value: E log D(x) + E log(1 - D(G(z)))."""
    return -F.softplus(-real_logits).mean() - F.softplus(fake_logits).mean()


def discriminator_loss(real_logits, fake_logits):
    return -0.5 * game_value(real_logits, fake_logits)


def generator_loss(fake_logits):
    """Non-saturating: -E log D(G(z))."""
    return F.softplus(-fake_logits).mean()


# ------------------------------------------------------------ optimizer


class Schedule:
    """OptimizerSpec::apply: the rate decayed per step (with a floor) and the SGD momentum ramp over epochs."""

    def __init__(self, lr, lr_decay=1.0, lr_min=0.0, momentum=None, momentum_final=None, ramp=(0, 0)):
        self.lr, self.lr_decay, self.lr_min = lr, lr_decay, lr_min
        self.momentum, self.momentum_final, self.ramp = momentum, momentum_final, ramp

    def apply(self, optimizer, steps, completed_epochs):
        rate = self.lr if self.lr_decay <= 1.0 else max(self.lr * self.lr_decay ** -steps, self.lr_min)
        for group in optimizer.param_groups:
            group["lr"] = rate
            if self.momentum is not None:
                group["momentum"] = self.momentum_at(completed_epochs)

    def momentum_at(self, completed_epochs):
        start, end = self.ramp
        if end <= start:
            return self.momentum
        alpha = min(max((completed_epochs - start) / (end - start), 0.0), 1.0)
        return self.momentum * (1.0 - alpha) + self.momentum_final * alpha


# -------------------------------------------------------------- trainer


class Trainer:
    """Trainer.cpp for k = 1: alternating (D step, then G step with D frozen)
    or simultaneous (both gradients from one forward pass)."""

    def __init__(self, generator, discriminator, data, sample_latent, batch_size, simultaneous, d_opt, g_opt, schedule):
        self.generator, self.discriminator, self.data = generator, discriminator, data
        self.sample_latent, self.batch_size, self.simultaneous = sample_latent, batch_size, simultaneous
        self.d_opt, self.g_opt, self.schedule = d_opt, g_opt, schedule
        self.steps = 0
        generator.train()
        discriminator.train()

    def completed_epochs(self):
        return self.data.position // self.data.batches_per_epoch

    def record_discriminator(self, stats, real_logits, fake_logits, d_loss):
        with torch.no_grad():
            real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
            stats["d_loss"] = d_loss.detach()
            stats["d_real"] = torch.sigmoid(real_logits).mean()
            stats["d_fake"] = torch.sigmoid(fake_logits).mean()
            stats["value"] = game_value(real_logits, fake_logits)

    def discriminator_step(self, stats):
        self.schedule.apply(self.d_opt, self.steps, self.completed_epochs())
        real = self.data.next()
        with torch.no_grad():
            fake = self.generator(self.sample_latent(self.batch_size))
        # Trainer::discriminatorPass: real and generated halves in two passes.
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        self.d_opt.zero_grad()
        d_loss.backward()
        self.d_opt.step()
        self.record_discriminator(stats, real_logits, fake_logits, d_loss)

    def generator_step(self, stats):
        self.schedule.apply(self.g_opt, self.steps, self.completed_epochs())
        # FrozenParameters: no weight gradients for D while G steps.
        d_params = list(self.discriminator.parameters())
        for p in d_params:
            p.requires_grad_(False)
        fake = self.generator(self.sample_latent(self.batch_size))
        g_loss = generator_loss(self.discriminator(fake))
        self.g_opt.zero_grad()
        g_loss.backward()
        self.g_opt.step()
        for p in d_params:
            p.requires_grad_(True)
        stats["g_loss"] = g_loss.detach()

    def simultaneous_step(self, stats):
        self.schedule.apply(self.d_opt, self.steps, self.completed_epochs())
        self.schedule.apply(self.g_opt, self.steps, self.completed_epochs())
        real = self.data.next()
        fake = self.generator(self.sample_latent(self.batch_size))
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
        d_params, g_params = list(self.discriminator.parameters()), list(self.generator.parameters())
        d_grads = torch.autograd.grad(d_loss, d_params, retain_graph=True)
        g_grads = torch.autograd.grad(g_loss, g_params)
        for p, g in zip(d_params, d_grads):
            p.grad = g
        for p, g in zip(g_params, g_grads):
            p.grad = g
        self.d_opt.step()
        self.g_opt.step()
        self.record_discriminator(stats, real_logits, fake_logits, d_loss)
        stats["g_loss"] = g_loss.detach()

    def step(self):
        stats = {}
        if self.simultaneous:
            self.simultaneous_step(stats)
        else:
            self.discriminator_step(stats)
            self.generator_step(stats)
        self.steps += 1
        return stats


class MetricsSums:
    """MetricsLogger's per-step work: sums kept as float64 tensors, read out every log_every steps."""

    def __init__(self, every):
        self.every, self.sums, self.count, self.last = every, {}, 0, {}

    def on_step(self, steps, stats):
        for key, value in stats.items():
            value = value.double()
            self.sums[key] = self.sums[key] + value if key in self.sums else value
        self.count += 1
        if steps % self.every == 0:
            self.last = {key: value.item() / self.count for key, value in self.sums.items()}
            self.sums, self.count = {}, 0


# -------------------------------------------------------------- presets


def build_mnist_mlp(seed, data_dir):
    """The `mnist-mlp` preset (app/Settings.cpp, docs/presets.md)."""
    samples = mnist_train(data_dir)
    generator = Generator(100, [1200, 1200], [1, 28, 28], "relu", "sigmoid")
    init_uniform(generator, 0.05)
    with torch.no_grad():  # g_output_bias = data_mean: sigmoid output starts at the pixel marginals
        generator.output.bias.copy_(torch.logit(samples.mean(0).clamp(1e-7, 1 - 1e-7)).reshape(-1))
    discriminator = Discriminator(784, [240, 240], "maxout", pieces=5, input_keep=0.8, hidden_keep=0.5)
    init_uniform(discriminator, 0.005)
    bound = math.sqrt(3.0)
    # The learning rate passed here is replaced on every step by the schedule.
    return Trainer(
        generator,
        discriminator,
        ShuffledBatches(samples, 100, seed),
        lambda n: torch.empty(n, 100).uniform_(-bound, bound),
        batch_size=100,
        simultaneous=True,
        d_opt=torch.optim.SGD(discriminator.parameters(), lr=0.1, momentum=0.5),
        g_opt=torch.optim.SGD(generator.parameters(), lr=0.1, momentum=0.5),
        schedule=Schedule(0.1, lr_decay=1.000004, lr_min=1e-6, momentum=0.5, momentum_final=0.7, ramp=(1, 250)),
    )


def build_ring8(seed, data_dir):
    """The `ring8` preset: LibTorch's default Linear initialisation, as gantry's (init_range 0)."""
    generator = Generator(2, [128, 128, 128], [2], "relu", "identity")
    discriminator = Discriminator(2, [128, 128, 128], "leaky_relu")
    return Trainer(
        generator,
        discriminator,
        RingBatches(128),
        lambda n: torch.randn(n, 2),
        batch_size=128,
        simultaneous=False,
        d_opt=torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        g_opt=torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
        schedule=Schedule(1e-3),
    )


PRESETS = {"mnist-mlp": build_mnist_mlp, "ring8": build_ring8}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", required=True, choices=sorted(PRESETS))
    parser.add_argument("--steps", type=int, default=1000, help="timed steps (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed steps first")
    parser.add_argument(
        "--log-every", type=int, default=100, help="steps between metric read-outs, as gantry's log_every"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (gantry's default: 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=MNIST_DIR, help="mnist-mlp: folder of the MNIST IDX files")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    trainer = PRESETS[args.preset](args.seed, args.data_dir)
    metrics = MetricsSums(args.log_every)

    def run(count):
        for _ in range(count):
            stats = trainer.step()
            metrics.on_step(trainer.steps, stats)

    run(args.warmup)
    start = time.perf_counter()
    run(args.steps)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "preset": args.preset,
                "warmup_steps": args.warmup,
                "timed_steps": args.steps,
                "elapsed_s": elapsed,
                "steps_per_s": args.steps / elapsed,
                "threads": torch.get_num_threads(),
                "torch_version": torch.__version__,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "last_metrics": metrics.last,
            }
        )
    )


if __name__ == "__main__":
    main()
