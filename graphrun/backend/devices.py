"""Device choice and ComfyUI's per-component dtype policy (spec I.4), as values passed to the loaders."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from graphrun.errors import UsageError

DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DtypePolicy:
    """Where each component runs and in which dtype; text encoder weights stay fp16 and compute in fp32."""

    device: torch.device
    unet: torch.dtype
    vae: torch.dtype
    text_encoder_weights: torch.dtype
    text_encoder_compute: torch.dtype = torch.float32


def pick_device(name: str = "auto") -> torch.device:
    """Resolve "auto"|"cpu"|"cuda"|"cuda:N"|"mps" to a torch.device, refusing unavailable accelerators."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    base = name.split(":", 1)[0]
    if base not in DEVICE_NAMES:
        raise UsageError(f"unknown device {name!r}; allowed: {', '.join(DEVICE_NAMES)} (or cuda:N)")
    if base == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"device {name!r} requested but torch reports no CUDA device")
    if base == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UsageError(f"device {name!r} requested but torch reports no MPS device")
    return torch.device(name)


def _as_device(device: torch.device | str) -> torch.device:
    return device if isinstance(device, torch.device) else pick_device(device)


def dtype_policy(device: torch.device | str = "cpu", *, force_fp32: bool = False) -> DtypePolicy:
    """ComfyUI's defaults: fp32 on CPU; CUDA UNet fp16, VAE bf16 on compute capability >= 8 else fp32."""
    dev = _as_device(device)
    if force_fp32 or dev.type == "cpu":
        return DtypePolicy(dev, torch.float32, torch.float32, torch.float16)
    if dev.type == "cuda":
        major, _ = torch.cuda.get_device_capability(dev)
        vae = torch.bfloat16 if major >= 8 and torch.cuda.is_bf16_supported() else torch.float32
        unet = torch.float16 if major >= 6 else torch.float32  # ComfyUI: fp16 from Pascal on
        return DtypePolicy(dev, unet, vae, torch.float16)
    # MPS: ComfyUI runs the UNet in fp16; the VAE stays fp32 here (bf16 support varies by macOS version).
    return DtypePolicy(dev, torch.float16, torch.float32, torch.float16)
