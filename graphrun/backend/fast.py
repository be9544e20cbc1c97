"""Opt-in fast modes (`--dtype`, `--fast`): off the parity path, each says what it changes.

* `dtype="bf16"|"fp16"`: the UNet and the VAE compute in that dtype instead of ComfyUI's CPU fp32 (text encoder
  unchanged). Numbers move (relative L2 of a few 1e-3 on latents is typical; benchmarks/bench_vs_comfyui.py
  --modes measures it). Refused where the device has no fast kernels for it (CPU fp16 without oneDNN fp16 support).
* `fast=("compile",)`: torch.compile (inductor) of the UNet; compiled kernels are cached on disk
  ($GRAPHRUN_COMPILE_CACHE, default ~/.cache/graphrun/inductor) and reused by later runs. The first run pays
  minutes of compilation; numbers may differ from eager at rounding level (fused kernels).
* `fast=("channels_last",)`: UNet and VAE weights in channels_last memory format (NHWC convolutions).

None of these is applied unless asked for; `graphrun run` prints which were on.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import torch

from graphrun.backend.devices import DtypePolicy
from graphrun.errors import UsageError

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def dtype_supported(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether `device` has real kernels for `dtype` convolutions/matmuls (not a slow emulation)."""
    if device.type == "cuda":
        return dtype != torch.bfloat16 or torch.cuda.is_bf16_supported()
    if device.type == "mps":
        return dtype == torch.float16
    mkldnn = torch.ops.mkldnn
    if dtype == torch.bfloat16:
        return bool(mkldnn._is_mkldnn_bf16_supported())
    return bool(mkldnn._is_mkldnn_fp16_supported())


def policy_with_dtype(policy: DtypePolicy, name: str | None) -> DtypePolicy:
    """The loader policy with the UNet and VAE compute dtype replaced (`--dtype`); unchanged for None."""
    if name is None:
        return policy
    if name not in DTYPES:
        raise UsageError(f"--dtype must be one of {sorted(DTYPES)}, got {name!r}")
    dtype = DTYPES[name]
    if not dtype_supported(policy.device, dtype):
        raise UsageError(f"--dtype {name}: device {policy.device} has no {name} kernels (oneDNN/CUDA); "
                         "leave --dtype out for the fp32 parity path")
    return replace(policy, unet=dtype, vae=dtype)


def compile_cache_dir() -> Path:
    return Path(os.environ.get("GRAPHRUN_COMPILE_CACHE", Path.home() / ".cache" / "graphrun" / "inductor"))


def apply_fast(checkpoint, fast: tuple[str, ...]) -> None:
    """Apply `--fast` options to a loaded checkpoint in place (once per loaded model)."""
    model, vae = checkpoint.model, checkpoint.vae
    model = getattr(model, "network", model)  # the shared diffusers wrapper behind a MODEL (backend/model.py)
    if "channels_last" in fast:
        for module in (getattr(model, "unet", None), getattr(vae, "vae", None)):
            if module is not None and not getattr(module, "_graphrun_channels_last", False):
                module.to(memory_format=torch.channels_last)
                module._graphrun_channels_last = True
    if "compile" in fast and model is not None and not getattr(model, "_graphrun_compiled", False):
        cache = compile_cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        # inductor's on-disk FX graph / kernel caches live here, so later processes reuse the compiled code
        os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache))
        import torch._inductor.config as inductor_config

        inductor_config.fx_graph_cache = True
        model.unet = torch.compile(model.unet, dynamic=False)
        model._graphrun_compiled = True


def describe(dtype: str | None, fast: tuple[str, ...]) -> str | None:
    """One line for the run log, or None on the parity path."""
    parts = []
    if dtype:
        parts.append(f"UNet+VAE compute in {dtype} (not ComfyUI's fp32)")
    if "compile" in fast:
        parts.append(f"UNet torch.compile'd (cache {compile_cache_dir()})")
    if "channels_last" in fast:
        parts.append("UNet/VAE weights channels_last")
    return ("FAST MODE: " + "; ".join(parts) + ": outputs differ from ComfyUI's beyond parity tolerance"
            if parts else None)
