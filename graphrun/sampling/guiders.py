"""GUIDER values of the custom-sampling nodes (ComfyUI v0.3.64 comfy/samplers.py `CFGGuider`,
comfy_extras/nodes_custom_sampler.py `Guider_Basic`, `Guider_DualCFG`).

A guider holds a model and its conditioning; `denoiser(spec)` builds the callable `D(x, sigma)` a sampler steps
with (the same protocol as guidance.CFGDenoiser: `.model_sampling`, `.uncond_denoised`). CFG and Basic guidance
reuse CFGDenoiser unchanged; DualCFG evaluates its three conditionings with cond_batch.calc_cond_batch, as ComfyUI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from graphrun.values import Conditioning

from .cond_batch import calc_cond_batch, pair_areas, prepare, spread_control
from .guidance import CFGDenoiser, _model_conds, check_controls
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
    nested: negative + cfg2 * (cfg(cond1 vs cond2, cfg1) - negative). The three sides are evaluated together by
    ComfyUI's calc_cond_batch (cond_batch.py), so several entries, areas and masks work as for CFGGuider."""

    def __init__(self, g: DualCFGGuider):
        self.g = g
        self.base = CFGDenoiser(g.model, g.cond1, g.negative, 1.0)  # supplies the model call (_predict)
        self.model_sampling = self.base.model_sampling
        self.uncond_denoised: torch.Tensor | None = None
        self._items: list | None = None

    @property
    def calls(self) -> int:
        return self.base.calls

    def _prepare(self, shape) -> list:
        g, model = self.g, self.g.model
        sides = {"positive": g.cond1, "middle": g.cond2, "negative": g.negative}  # ComfyUI's conds order
        # ComfyUI marks cond2 with prompt_type "negative" (e.g. the SDXL refiner's default aesthetic score)
        prompt_types = {"positive": "positive", "middle": "negative", "negative": "negative"}
        items = {}
        check_controls(model, list(sides.values()), list(sides))
        controls: dict = {}
        for name, conditioning in sides.items():
            if len(conditioning) == 0:
                raise ValueError(f"`{name}` conditioning is empty")
            items[name] = prepare(conditioning, shape, self.model_sampling,
                                  lambda e, t=prompt_types[name]: _model_conds(model, e, t), controls)
        pair_areas(list(items.values()))
        for name in ("middle", "negative"):
            spread_control(items["positive"], items[name])
        return [items["negative"], items["middle"], items["positive"]]

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        g = self.g
        if self._items is None:
            self._items = self._prepare(x.shape)
        cfg1, cfg2 = float(g.cfg_conds), float(g.cfg_cond2_negative)
        sides: list = list(self._items)  # [negative, middle (cond2), positive (cond1)]
        if not g.nested and math.isclose(cfg2, 1.0):
            sides[0] = None
            if math.isclose(cfg1, 1.0):
                sides[1] = None
        neg, mid, pos = calc_cond_batch(self.base._predict, sides, x, sigma)
        if g.nested:
            self.uncond_denoised = mid
            text = mid + (pos - mid) * cfg1
            return neg + cfg2 * (text - neg)
        self.uncond_denoised = neg
        return neg + (mid - neg) * cfg2 + (pos - mid) * cfg1
