"""Values carried on graph edges at run time, in ComfyUI's conventions.

IMAGE: float32 [B,H,W,C] in 0..1 (NHWC). MASK: float32 [B,H,W]. LATENT: unscaled VAE latents [B,4,h,w]
(the 0.18215 factor is applied only inside sampling). CONDITIONING: list of (cond [1,T,D], extras dict).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # values are torch tensors at run time; compile/validate never import torch
    import torch


@dataclass(frozen=True)
class Latent:
    """ComfyUI's LATENT dict: samples plus optional batch_index (per-item noise draws) and noise_mask."""

    samples: torch.Tensor
    batch_index: tuple[int, ...] | None = None
    noise_mask: torch.Tensor | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def with_samples(self, samples: torch.Tensor) -> "Latent":
        return replace(self, samples=samples)


@dataclass(frozen=True)
class CondEntry:
    """One CONDITIONING entry: the cross-attention tensor [1, 77*k, D] and extras (pooled_output, ...)."""

    cond: torch.Tensor
    extras: dict[str, Any] = field(default_factory=dict)


Conditioning = tuple[CondEntry, ...]
