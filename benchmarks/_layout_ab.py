#!/usr/bin/env python
"""channels_last vs contiguous for graphrun's UNet call and VAE encode/decode, one process, calls alternated.

    python benchmarks/_layout_ab.py CKPT [--what vae|unet|both] [--size 512] [--reps 3] [--threads N]

Prints medians per layout, the ratio channels_last / contiguous, and the relative L2 between the two layouts'
outputs (the layouts may sum convolution terms in another order).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("ckpt")
    p.add_argument("--what", choices=("vae", "unet", "both"), default="both")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    ns = p.parse_args()
    sys.path.insert(0, str(ROOT))
    from graphrun.cli.threads import apply_threads

    threads = apply_threads(ns.threads)
    import torch

    from graphrun.backend.checkpoints import load_checkpoint

    ck = load_checkpoint(ns.ckpt)
    g = torch.Generator().manual_seed(0)
    cases = []
    if ns.what in ("vae", "both"):
        vae_cl = copy.copy(ck.vae)
        vae_cl.vae = copy.deepcopy(ck.vae.vae).to(memory_format=torch.channels_last)
        px = torch.rand(1, ns.size, ns.size, 3, generator=g)
        lat = torch.randn(1, 4, ns.size // 8, ns.size // 8, generator=g) * 5
        cases += [("vae encode", ck.vae.encode, vae_cl.encode, (px,)), ("vae decode", ck.vae.decode, vae_cl.decode, (lat,))]
    if ns.what in ("unet", "both"):
        m_cl = copy.copy(ck.model.network)
        m_cl.unet = copy.deepcopy(ck.model.network.unet).to(memory_format=torch.channels_last)
        x = torch.randn(2, 4, ns.size // 8, ns.size // 8, generator=g)
        ctx = torch.randn(2, 77, 768, generator=g)
        t = torch.tensor([500.0, 500.0])
        cases.append(("unet call (batch 2)", ck.model.apply_model, m_cl.apply_model, (x, t, ctx)))
    print(f"threads {threads}, size {ns.size}, {ns.reps} alternated reps")
    for name, f_std, f_cl, args in cases:
        times = {"contiguous": [], "channels_last": []}
        outs = {}
        for i in range(ns.reps):
            order = [("contiguous", f_std), ("channels_last", f_cl)]
            for key, fn in (order if i % 2 == 0 else order[::-1]):
                t0 = time.perf_counter()
                with torch.inference_mode():
                    outs[key] = fn(*args)
                times[key].append(time.perf_counter() - t0)
        a, b = outs["channels_last"].double(), outs["contiguous"].double()
        ms, mc = statistics.median(times["contiguous"]), statistics.median(times["channels_last"])
        print(f"{name}: contiguous {ms:.3f} s, channels_last {mc:.3f} s, ratio {mc / ms:.3f}; "
              f"all {[round(v, 2) for v in times['contiguous']]} vs {[round(v, 2) for v in times['channels_last']]}; "
              f"rel L2 {float((a - b).norm() / b.norm()):.2e}, bitwise equal {torch.equal(a, b)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
