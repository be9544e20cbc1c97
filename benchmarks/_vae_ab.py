#!/usr/bin/env python
"""VAE encode/decode, graphrun vs ComfyUI v0.3.64, both in ONE process, calls alternated (robust on a busy machine).

    python benchmarks/_vae_ab.py CKPT [--size 512] [--reps 3] [--threads N] [--profile]

Imports ComfyUI from --comfy-root (its extra deps, e.g. psutil, from --comfy-site appended to sys.path), builds
comfy.sd.VAE and graphrun's VAEModel from the same first_stage_model.* tensors, and alternates encode and decode
on the same pixels. Prints medians, ratios and the relative L2 between the two sides' outputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("ckpt")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--comfy-root", default="/tmp/ow/ComfyUI")
    p.add_argument("--comfy-site", default="/tmp/ow/venv/lib/python3.11/site-packages")
    p.add_argument("--shims", default=str(ROOT.parent / "shared" / "oracle" / "shims"))
    p.add_argument("--profile", choices=("enc", "dec"), default=None, help="torch.profiler table of one call, each side")
    ns = p.parse_args()
    sys.path.insert(0, str(ROOT))
    from graphrun.cli.threads import apply_threads

    threads = apply_threads(ns.threads)
    import torch
    from diffusers import AutoencoderKL  # noqa: F401  (before the torchvision shim goes on sys.path)
    from safetensors.torch import load_file

    from graphrun.backend.vae import build_vae

    sys.path[:0] = [ns.shims, ns.comfy_root]
    sys.path.append(ns.comfy_site)

    import comfy.options

    comfy.options.enable_args_parsing(False)
    import comfy.cli_args

    comfy.cli_args.args.cpu = True
    import comfy.sd
    import comfy.utils

    comfy.utils.PROGRESS_BAR_ENABLED = False

    sd = {k: v for k, v in load_file(ns.ckpt).items() if k.startswith("first_stage_model.")}
    comfy_vae = comfy.sd.VAE(sd={k[len("first_stage_model."):]: v for k, v in sd.items()})
    ours = build_vae(sd, device=torch.device("cpu"), dtype=torch.float32)
    del sd
    g = torch.Generator().manual_seed(0)
    pixels = torch.rand(1, ns.size, ns.size, 3, generator=g)
    times = {k: [] for k in ("enc graphrun", "enc comfy", "dec graphrun", "dec comfy")}
    outs = {}

    def timed(key, fn):
        t = time.perf_counter()
        with torch.inference_mode():
            out = fn()
        times[key].append(time.perf_counter() - t)
        outs[key] = out

    for i in range(ns.reps):  # rep 0 included: ComfyUI and graphrun both run it cold in a real prompt
        pair = [("graphrun", ours.encode), ("comfy", comfy_vae.encode)]
        for side, fn in (pair if i % 2 == 0 else pair[::-1]):
            timed(f"enc {side}", lambda fn=fn: fn(pixels))
        lat = outs["enc comfy"]
        pair = [("graphrun", ours.decode), ("comfy", comfy_vae.decode)]
        for side, fn in (pair if i % 2 == 0 else pair[::-1]):
            timed(f"dec {side}", lambda fn=fn: fn(lat))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"threads {threads}, {ns.size}x{ns.size}, {ns.reps} alternated reps (first rep included)")
    for what in ("enc", "dec"):
        gs, cs = med[f"{what} graphrun"], med[f"{what} comfy"]
        a, b = outs[f"{what} graphrun"].double(), outs[f"{what} comfy"].double()
        print(f"{what}: graphrun {gs:.3f} s  ComfyUI {cs:.3f} s  ratio {gs / cs:.3f}  all: "
              f"{[round(x, 2) for x in times[what + ' graphrun']]} vs {[round(x, 2) for x in times[what + ' comfy']]}"
              f"  rel L2 {float((a - b).norm() / b.norm()):.2e}")
    if ns.profile:
        from torch.profiler import ProfilerActivity, profile

        arg = pixels if ns.profile == "enc" else outs["enc comfy"]
        for side, vae in (("graphrun", ours), ("comfy", comfy_vae)):
            fn = vae.encode if ns.profile == "enc" else vae.decode
            with profile(activities=[ProfilerActivity.CPU]) as prof, torch.inference_mode():
                fn(arg)
            print(f"--- {side} {ns.profile}\n" + prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=16))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
