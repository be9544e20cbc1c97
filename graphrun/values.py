"""Values carried on graph edges at run time, in ComfyUI's conventions.

IMAGE: float32 [B,H,W,C] in 0..1 (NHWC). MASK: float32 [B,H,W]. LATENT: unscaled VAE latents [B,C,h,w]
(the family's latent scale/shift is applied only inside sampling). CONDITIONING: a tuple of typed `CondEntry`
(ComfyUI's `[cond, {pooled_output, width, ..., area, mask, strength, ...}]` pairs, with one field per key).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
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
class AdmInputs:
    """SDXL size conditioning (ComfyUI's width/height/crop_w/crop_h/target_width/target_height keys; the refiner's
    aesthetic_score). None means ComfyUI's default at encode time: 768 for sizes, 0 for crops, target = size,
    aesthetic 6 (positive) / 2.5 (negative)."""

    width: int | None = None
    height: int | None = None
    crop_w: int | None = None
    crop_h: int | None = None
    target_width: int | None = None
    target_height: int | None = None
    aesthetic_score: float | None = None


@dataclass(frozen=True)
class CondEntry:
    """One CONDITIONING entry. `cond` is the cross-attention tensor [1, T, D]; the other fields mirror ComfyUI's
    per-entry dict keys (None/default = key absent). Update with `entry.replace(field=value)`.

    area/mask/strength/timestep range/control are carried for the conditioning nodes; the sampler's guidance
    decides what it supports (an unsupported field set there is an error, never ignored)."""

    cond: torch.Tensor
    pooled_output: torch.Tensor | None = None          # [1, D_pooled] (SDXL ADM, Flux/SD3 vector input)
    adm: AdmInputs | None = None                       # SDXL / refiner size + aesthetic inputs
    guidance: float | None = None                      # Flux guidance embedding (FluxGuidance)
    area: tuple | None = None                          # ("pixels"|"percentage", h, w, y, x) as ComfyUI stores it
    strength: float = 1.0                              # ConditioningSetAreaStrength / SetArea strength
    set_area_to_bounds: bool = False
    mask: torch.Tensor | None = None                   # [1, H, W] ConditioningSetMask
    mask_strength: float = 1.0
    timestep_start: float | None = None                # ConditioningSetTimestepRange, percents 0..1
    timestep_end: float | None = None
    control: Any = None                                # ControlNet chain (later)
    extra: tuple[tuple[str, Any], ...] = ()            # other ComfyUI keys, by name (e.g. "concat_latent_image")

    def replace(self, **changes: Any) -> "CondEntry":
        """A copy with some fields changed (the entry itself is immutable and may be shared)."""
        return replace(self, **changes)

    def fields(self) -> dict[str, Any]:
        """Every set field except `cond`, ComfyUI key -> value (for records and comparisons)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("cond", "extra"):
                continue
            value = getattr(self, f.name)
            if value is None or (f.name in _DEFAULTS and value == _DEFAULTS[f.name]):
                continue
            if isinstance(value, AdmInputs):
                out.update({k: v for k, v in asdict(value).items() if v is not None})
            else:
                out[f.name] = value
        out.update(dict(self.extra))
        return out


_DEFAULTS = {"strength": 1.0, "set_area_to_bounds": False, "mask_strength": 1.0}

Conditioning = tuple[CondEntry, ...]
