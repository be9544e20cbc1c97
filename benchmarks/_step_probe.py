#!/usr/bin/env python
"""Where could graphrun's per-step time differ from diffusers'? One process, one UNet, interleaved variants.

    python benchmarks/_step_probe.py [--size 256] [--reps 3] [--threads N]

1. Wrapper overhead per step with the UNet replaced by a zero-output stand-in: graphrun's CFGDenoiser + euler
   (common_ksampler) vs diffusers' img2img loop body (cat, scale_model_input, chunk, guidance, scheduler.step).
2. The real UNet call on the same module and weights, variants interleaved (a, b, c, a, b, c, ...):
   graphrun's `apply_model` under inference_mode / under no_grad, and the diffusers-style direct call
   (0-d float timestep) under no_grad, plus channels_last.
3. Memory: RSS after load_checkpoint split into anonymous and file-backed (mmap of the checkpoint).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_vs_diffusers import STUB, make_stub  # noqa: E402


def smaps() -> dict[str, int]:
    out = {}
    for line in open("/proc/self/smaps_rollup"):
        k, _, v = line.partition(":")
        if k in ("Rss", "Anonymous"):
            out[k] = int(v.split()[0]) // 1024
    out["File"] = out.get("Rss", 0) - out.get("Anonymous", 0)
    return out


class ZeroUNet:
    """Stand-in with the UNet's call signature and no compute."""

    def __call__(self, x, t, encoder_hidden_states=None, return_dict=False, **_):
        return (x.new_zeros(x.shape),)


def overhead(ckpt, latent, steps: int) -> tuple[float, float]:
    import torch
    from diffusers import EulerDiscreteScheduler

    sys.path.insert(0, str(HERE))
    from _sd15_config import SCHEDULER
    from graphrun.sampling.ksampler import common_ksampler
    from graphrun.values import CondEntry, Latent

    cond = torch.zeros(1, 77, 768)
    pos, neg = (CondEntry(cond, {}),), (CondEntry(cond, {}),)
    real = ckpt.model.network.unet
    ckpt.model.network.unet = ZeroUNet()
    try:
        stamps = []
        with torch.inference_mode():
            t = time.perf_counter()
            common_ksampler(ckpt.model, 0, steps, 8.0, "euler", "normal", pos, neg, Latent(latent), denoise=0.75,
                            callback=lambda *a: stamps.append(time.perf_counter()))
        g = (time.perf_counter() - t) / steps
    finally:
        ckpt.model.network.unet = real

    sched = EulerDiscreteScheduler.from_config({k: v for k, v in SCHEDULER.items() if not k.startswith("_")})
    sched.set_timesteps(steps * 4 // 3 + 1)
    unet, pe = ZeroUNet(), torch.zeros(2, 77, 768)
    latents = latent.clone()
    with torch.no_grad():
        t = time.perf_counter()
        for ts in sched.timesteps[-steps:]:
            x = sched.scale_model_input(torch.cat([latents] * 2), ts)
            eps = unet(x, ts, encoder_hidden_states=pe, return_dict=False)[0]
            u, c = eps.chunk(2)
            eps = u + 8.0 * (c - u)
            latents = sched.step(eps, ts, latents, return_dict=False)[0]
        d = (time.perf_counter() - t) / steps
    return g, d


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--variants", default="graphrun_inference,graphrun_no_grad,direct_no_grad")
    ns = p.parse_args()
    import torch

    if ns.threads:
        torch.set_num_threads(ns.threads)
    import diffusers  # noqa: F401

    from graphrun.backend.checkpoints import load_checkpoint

    path = make_stub() if not STUB.exists() else STUB
    with torch.inference_mode():
        ckpt = load_checkpoint(path)
    gc.collect()
    mem = smaps()
    print(f"RSS after load_checkpoint: {mem['Rss']} MiB = {mem['Anonymous']} MiB anonymous + {mem['File']} MiB "
          f"file-backed (checkpoint mmap kept alive)")
    if hasattr(ckpt.clip, "transformer") and hasattr(ckpt.clip.transformer, "weights"):
        w = ckpt.clip.transformer.weights
        for k in list(w):
            w[k] = w[k].clone()
        gc.collect()
        mem2 = smaps()
        print(f"  after cloning the CLIP's fp16 weights: {mem2['Rss']} MiB = {mem2['Anonymous']} anonymous + "
              f"{mem2['File']} file-backed")

    h = ns.size // 8
    latent = torch.randn(1, 4, h, h, generator=torch.Generator().manual_seed(0))
    g, d = overhead(ckpt, latent, 8)
    print(f"wrapper overhead per step (UNet replaced by zeros): graphrun {g * 1e3:.2f} ms, diffusers loop body "
          f"{d * 1e3:.2f} ms")

    unet, model = ckpt.model.network.unet, ckpt.model
    x = torch.randn(2, 4, h, h, generator=torch.Generator().manual_seed(1))
    ctx = torch.randn(2, 77, 768, generator=torch.Generator().manual_seed(2))
    ts2 = torch.tensor([600.0, 600.0])
    ts0 = torch.tensor(600.0)

    def graphrun_inference():
        with torch.inference_mode():
            return model.apply_model(x, ts2, ctx)

    def graphrun_no_grad():
        with torch.no_grad():
            return model.apply_model(x, ts2, ctx)

    def direct_no_grad():
        with torch.no_grad():
            return unet(x, ts0, encoder_hidden_states=ctx, return_dict=False)[0]

    def channels_last():
        with torch.inference_mode():
            return unet(x.contiguous(memory_format=torch.channels_last), ts2, encoder_hidden_states=ctx,
                        return_dict=False)[0]

    fns = {f.__name__: f for f in (graphrun_inference, graphrun_no_grad, direct_no_grad, channels_last)}
    names = [n for n in ns.variants.split(",") if n]
    times: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    direct_no_grad()  # warm-up (allocator, oneDNN primitive caches)
    for rep in range(ns.reps):
        for n in (names if rep % 2 == 0 else names[::-1]):
            if n == "channels_last":
                with torch.inference_mode():  # graphrun's weights are inference tensors
                    unet.to(memory_format=torch.channels_last)
            t, c = time.perf_counter(), time.process_time()
            fns[n]()
            times[n].append(time.perf_counter() - t)
            cpu[n].append(time.process_time() - c)
            if n == "channels_last":
                with torch.inference_mode():
                    unet.to(memory_format=torch.contiguous_format)
            print(f"  rep {rep + 1} {n}: {times[n][-1]:.3f} s wall, {cpu[n][-1]:.3f} s cpu", flush=True)
    base = statistics.median(times["direct_no_grad"]) if "direct_no_grad" in times else None
    print(f"\nUNet call, batch 2, {h}x{h} latent, {torch.get_num_threads()} threads, {ns.reps} reps interleaved:\n")
    print("| variant | median wall | min wall | median CPU | vs direct_no_grad (median) |")
    print("|---|---:|---:|---:|---:|")
    for n in names:
        med = statistics.median(times[n])
        rel = f"{med / base:.3f}" if base else "–"
        print(f"| {n} | {med:.3f} s | {min(times[n]):.3f} s | {statistics.median(cpu[n]):.3f} s | {rel} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
