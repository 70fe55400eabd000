#!/usr/bin/env python3
"""The same SIREN training as bench_cpu.c in PyTorch, on the same CPU:
3 sine layers of WIDTH (omega0 30), linear output, full batch over a GRID^3
cell-centred grid, Adam lr 1.5e-3, L1. Prints seconds per epoch per thread count."""
import math
import sys
import time

import torch

g = int(sys.argv[1]) if len(sys.argv) > 1 else 32
width = int(sys.argv[2]) if len(sys.argv) > 2 else 30
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 200


class Sine(torch.nn.Module):
    def __init__(self, i, o, first):
        super().__init__()
        self.lin = torch.nn.Linear(i, o)
        bound = 1 / i if first else math.sqrt(6 / i) / 30
        torch.nn.init.uniform_(self.lin.weight, -bound, bound)

    def forward(self, x):
        return torch.sin(30 * self.lin(x))


axis = (torch.arange(g, dtype=torch.float32) + 0.5) * 2 / g - 1
zz, yy, xx = torch.meshgrid(axis, axis, axis, indexing="ij")
coords = torch.stack([xx, yy, zz], -1).reshape(-1, 3)
idx = torch.arange(g ** 3, dtype=torch.float32)
target = (0.5 + 0.4 * torch.sin(0.1 * idx)).reshape(-1, 1)
print(f"torch {torch.__version__}")
for threads in (1, 2):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = torch.nn.Sequential(Sine(3, width, True), Sine(width, width, False),
                              Sine(width, width, False), torch.nn.Linear(width, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1.5e-3)
    t0 = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.l1_loss(net(coords), target)
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    print(f"torch_train_s_per_epoch_t{threads}: {dt / epochs:.6f} s")
