"""The unrolled GAN notebook's plain GAN ("unrolled 0") in PyTorch, to compare
with `gantry train --preset ring8-unrolled --set unroll_steps=0`: same ring,
networks (2 x 128 tanh, orthogonal init gain 1.4, zero biases), minimax game,
simultaneous Adam steps (D 1e-4, G 1e-3, beta1 0.5) and batch 512. Prints D's
outputs and the modes / high-quality share (PacGAN protocol, 2,500 samples)
every 1,000 steps. A yardstick for docs/update-rules.md, not part of gantry.

  /usr/bin/python3 bench/notebook_plain_gan.py SEED STEPS
"""
import math, sys, torch
torch.manual_seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.set_num_threads(1)
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
objective = sys.argv[3] if len(sys.argv) > 3 else 'minimax'
angles = torch.arange(8) * 2 * math.pi / 8
modes = torch.stack([angles.cos(), angles.sin()], 1)
def data(n):
    k = torch.randint(0, 8, (n,))
    return modes[k] + 0.01 * torch.randn(n, 2)
def mlp(i, o):
    m = torch.nn.Sequential(torch.nn.Linear(i, 128), torch.nn.Tanh(), torch.nn.Linear(128, 128), torch.nn.Tanh(), torch.nn.Linear(128, o))
    for p in m:
        if isinstance(p, torch.nn.Linear):
            torch.nn.init.orthogonal_(p.weight, 1.4); torch.nn.init.zeros_(p.bias)
    return m
G, D = mlp(256, 2), mlp(2, 1)
og = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999), eps=1e-8)
od = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.999), eps=1e-8)
bce = torch.nn.functional.binary_cross_entropy_with_logits
def quality():
    with torch.no_grad():
        x = G(torch.randn(2500, 256))
        d = torch.cdist(x, modes); m = d.min(1)
        hq = m.values < 0.03
        return int(torch.unique(m.indices[hq]).numel()), hq.float().mean().item()
for step in range(1, steps + 1):
    real = data(512); fake = G(torch.randn(512, 256))
    lr, lf = D(real), D(fake)
    ld = bce(lr, torch.ones_like(lr)) + bce(lf, torch.zeros_like(lf))
    lg = -ld if objective == 'minimax' else bce(lf, torch.ones_like(lf))
    og.zero_grad(); od.zero_grad()
    gg = torch.autograd.grad(lg, list(G.parameters()), retain_graph=True)
    gd = torch.autograd.grad(ld, list(D.parameters()))
    for p, g in zip(G.parameters(), gg): p.grad = g
    for p, g in zip(D.parameters(), gd): p.grad = g
    og.step(); od.step()
    if step % 1000 == 0:
        print(step, 'D(x) %.3f D(G(z)) %.3f' % (torch.sigmoid(lr).mean(), torch.sigmoid(lf).mean()), 'modes/hq', quality(), flush=True)
