"""GUIDER values of the custom-sampling nodes (ComfyUI v0.3.64 comfy/samplers.py `CFGGuider`,
comfy_extras/nodes_custom_sampler.py `Guider_Basic`, `Guider_DualCFG`).

A guider holds a model and its conditioning; `denoiser(spec)` builds the callable `D(x, sigma)` a sampler steps
with (the same protocol as guidance.CFGDenoiser: `.model_sampling`, `.uncond_denoised`). CFG and Basic guidance
reuse CFGDenoiser unchanged; DualCFG batches its three conditionings the way ComfyUI's `calc_cond_batch` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from graphrun.values import Conditioning

from .guidance import CFGDenoiser, _can_share_batch, cond_tensor
from .samplers import SamplerSpec


@dataclass(frozen=True)
class CFGGuider:
    """CFGGuider node: D_u + (D_c - D_u) * cfg, exactly KSampler's guidance."""

    model: Any
    positive: Conditioning
    negative: Conditioning
    cfg: float

    def denoiser(self, spec: SamplerSpec):
        return CFGDenoiser(self.model, self.positive, self.negative, self.cfg, needs_uncond=spec.needs_uncond)


@dataclass(frozen=True)
class BasicGuider:
    """BasicGuider node: the positive prediction only (no negative, cfg 1; Flux-style guidance-distilled models).

    ComfyUI has no uncond here, so CFG++ samplers see an uncond prediction of zeros: CFGDenoiser's cfg-1 path
    (never evaluating its negative) gives exactly that."""

    model: Any
    conditioning: Conditioning

    def denoiser(self, spec: SamplerSpec):
        return CFGDenoiser(self.model, self.conditioning, self.conditioning, 1.0, needs_uncond=False)


@dataclass(frozen=True)
class DualCFGGuider:
    """DualCFGGuider node: two positive conditionings against a negative, `regular` or `nested` style."""

    model: Any
    cond1: Conditioning
    cond2: Conditioning
    negative: Conditioning
    cfg_conds: float
    cfg_cond2_negative: float
    nested: bool

    def denoiser(self, spec: SamplerSpec):
        return _DualCFGDenoiser(self)


class _DualCFGDenoiser:
    """regular: cfg(cond2 vs negative, cfg2) + (cond1 - cond2) * cfg1, with ComfyUI's cfg-1 skips;
    nested: negative + cfg2 * (cfg(cond1 vs cond2, cfg1) - negative)."""

    def __init__(self, g: DualCFGGuider):
        self.g = g
        # CFGDenoiser supplies the UNet call over several contexts (its batching and token tiling)
        self.base = CFGDenoiser(g.model, g.cond1, g.negative, 1.0)
        self.model_sampling = self.base.model_sampling
        self.ctx = [cond_tensor(g.negative, "negative"), cond_tensor(g.cond2, "cond2"), cond_tensor(g.cond1, "cond1")]
        self.uncond_denoised: torch.Tensor | None = None

    @property
    def calls(self) -> int:
        return self.base.calls

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        g = self.g
        cfg1, cfg2 = float(g.cfg_conds), float(g.cfg_cond2_negative)
        ctxs: list[torch.Tensor | None] = list(self.ctx)  # [negative, middle (cond2), positive (cond1)]
        if not g.nested and math.isclose(cfg2, 1.0):
            ctxs[0] = None
            if math.isclose(cfg1, 1.0):
                ctxs[1] = None
        neg, mid, pos = batched_predictions(self.base, x, sigma, ctxs)
        if g.nested:
            self.uncond_denoised = mid
            text = mid + (pos - mid) * cfg1
            return neg + cfg2 * (text - neg)
        self.uncond_denoised = neg
        return neg + (mid - neg) * cfg2 + (pos - mid) * cfg1


def batched_predictions(base: CFGDenoiser, x: torch.Tensor, sigma: torch.Tensor,
                        ctxs: list[torch.Tensor | None]) -> list[torch.Tensor]:
    """Denoised prediction per context, zeros for None; contexts that can share a UNet batch run together in
    reverse list order (ComfyUI `_calc_cond_batch` takes the first pending one and every compatible one after it,
    reversed)."""
    out = [torch.zeros_like(x) for _ in ctxs]
    pending = [(i, c) for i, c in enumerate(ctxs) if c is not None]
    while pending:
        first = pending[0][1]
        group = [k for k in range(len(pending)) if _can_share_batch(pending[k][1], first)][::-1]
        batch = [pending[k] for k in group]
        for k in group:  # descending indices: pops stay valid
            pending.pop(k)
        for (i, _), pred in zip(batch, base._denoise(x, sigma, [c for _, c in batch])):
            out[i] = pred
    return out
