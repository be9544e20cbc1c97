"""Several conditioning entries per prompt side, with areas, masks, strengths and timestep ranges, evaluated as
ComfyUI v0.3.64 does (comfy/samplers.py `resolve_areas_and_cond_masks_multidim`, `calculate_start_end_timesteps`,
`create_cond_with_same_area_if_none`, `get_area_and_mult`, `_calc_cond_batch`).

Per model call, each entry active at this sigma predicts x0 on its area (the whole latent if none); the prediction
is weighted by mult = mask·mask_strength·strength (an area without a mask gets an 8-cell linear fade on its
inner edges) and the side's result is sum(pred·mult) / (1e-37 + sum(mult)) per latent cell. Entries whose
inputs have the same shape and compatible token counts share one UNet batch, in ComfyUI's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import torch
import torch.nn.functional as F

FUZZ = 8  # cells of linear fade at an area's inner edges (get_area_and_mult)
MAX_TILE_RATIO = 4  # contexts of different token counts share a batch only when lcm/min <= 4


def _get(entry, key: str, default: Any = None) -> Any:
    value = getattr(entry, key, None)
    return default if value is None else value


@dataclass(frozen=True)
class CondItem:
    """One entry prepared for a latent shape: area (h, w, y, x) in latent cells, mask [B,h,w] resized to the
    latent, sigma_start/sigma_end (ComfyUI's 'timestep_start'/'timestep_end', which are sigmas)."""

    cross_attn: torch.Tensor
    area: tuple[int, ...] | None = None
    strength: float = 1.0
    mask: torch.Tensor | None = None
    mask_strength: float = 1.0
    sigma_start: float | None = None
    sigma_end: float | None = None
    model_conds: dict[str, torch.Tensor] = field(default_factory=dict)  # SDXL y, Flux guidance, ... (CONDRegular)
    control: Any = None  # control.ControlRun of the entry's ControlNet chain (shared by entries with one Control)
    control_to_uncond: bool = False  # ControlNetApply (old): ComfyUI's 'control_apply_to_uncond'


def is_plain(conditioning) -> bool:
    """One entry with nothing that changes how it is weighted: the fast two-context CFG path gives the same bits."""
    if len(conditioning) != 1:
        return False
    e = conditioning[0]
    if any(_get(e, k) is not None for k in ("area", "mask", "timestep_start", "timestep_end", "control")):
        return False
    return float(_get(e, "strength", 1.0)) == 1.0


def _mask_bounds(mask: torch.Tensor) -> tuple[int, int, int, int] | None:
    """(H, W, Y, X) of the bounding box of mask != 0 over the batch (get_mask_aabb); None when all zero."""
    bounds = torch.max(torch.abs(mask), dim=0).values
    ys, xs = torch.nonzero(bounds, as_tuple=True)
    if ys.numel() == 0:
        return None
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    return max(8, y1 - y0 + 1), max(8, x1 - x0 + 1), y0, x0


def prepare(conditioning, latent_shape: torch.Size, model_sampling, model_conds=None,
            controls: dict | None = None) -> list[CondItem]:
    """Entries -> CondItems for this latent: percentage areas and masks resolved, timestep ranges (percents of
    the schedule) as sigmas, the model's extra inputs per entry (`model_conds(entry) -> {name: tensor}`),
    ControlNet chains as run states (`controls`: shared by every side of one sampling run)."""
    from .control import run_for

    dims = tuple(int(d) for d in latent_shape[2:])
    items = []
    controls = {} if controls is None else controls
    for e in conditioning:
        control = _get(e, "control")
        control = None if control is None else run_for(control, model_sampling, controls)
        area = _get(e, "area")
        if area is not None and area[0] == "pixels":  # tagged form: the numbers as ComfyUI stores them
            area = tuple(area[1:])
        if area is not None and area[0] == "percentage":
            a = area[1:]
            n = len(a) // 2
            area = tuple(max(1, round(a[d] * dims[d])) for d in range(len(dims))) + \
                tuple(round(a[d + n] * dims[d]) for d in range(len(dims)))
        elif area is not None:
            area = tuple(int(v) for v in area)
        mask = _get(e, "mask")
        if mask is not None:
            mask = mask.float()
            if mask.ndim == len(dims):
                mask = mask.unsqueeze(0)
            if tuple(mask.shape[1:]) != dims:
                mask = F.interpolate(mask.unsqueeze(1), size=dims, mode="bilinear").squeeze(1)
            if _get(e, "set_area_to_bounds", False):
                box = _mask_bounds(mask)
                area = (8, 8, 0, 0) if box is None else box
        start, end = _get(e, "timestep_start"), _get(e, "timestep_end")
        items.append(CondItem(
            cross_attn=e.cond, area=area, strength=float(_get(e, "strength", 1.0)), mask=mask,
            mask_strength=float(_get(e, "mask_strength", 1.0)),
            sigma_start=None if start is None else model_sampling.percent_to_sigma(start),
            sigma_end=None if end is None else model_sampling.percent_to_sigma(end),
            model_conds=dict(model_conds(e)) if model_conds is not None else {}, control=control,
            control_to_uncond=bool(dict(getattr(e, "extra", ())).get("control_apply_to_uncond", False))))
    return items


def spread_control(positive: list[CondItem], other: list[CondItem]) -> None:
    """apply_empty_x_to_equal_area for 'control': the controls of area-less positive entries marked
    control_apply_to_uncond go to the area-less entries of `other` without one, unless `other` has some."""
    cnets = [c.control for c in positive if c.control_to_uncond and c.area is None and c.control is not None]
    if any(c.area is None and c.control is not None for c in other):
        return
    free = [(c, i) for i, c in enumerate(other) if c.area is None and c.control is None]
    for k, control in enumerate(cnets):
        item, index = free[k % len(free)]
        other[index] = replace(item, control=control)


def _area_inside(a: tuple, b: tuple) -> bool:
    n = len(a) // 2
    return all(a[n + i] >= b[n + i] for i in range(n)) and all(a[i] + a[n + i] <= b[i] + b[n + i] for i in range(n))


def pair_areas(sides: list[list[CondItem]]) -> None:
    """create_cond_with_same_area_if_none: for each area entry of one side, the other side gets a copy of its
    smallest entry covering that area (or an area-less one) moved to the same area, unless it has it already."""
    for k, side in enumerate(sides):
        for c in list(side):
            for kk, other in enumerate(sides):
                if kk == k or c.area is None:
                    continue
                smallest = None
                for x in other:
                    if x.area is not None:
                        if _area_inside(c.area, x.area):
                            if smallest is None or smallest.area is None or \
                                    math.prod(smallest.area[:len(smallest.area) // 2]) > \
                                    math.prod(x.area[:len(x.area) // 2]):
                                smallest = x
                    elif smallest is None:
                        smallest = x
                if smallest is None or (smallest.area is not None and tuple(smallest.area) == tuple(c.area)):
                    continue
                other.append(replace(c, cross_attn=smallest.cross_attn, model_conds=smallest.model_conds))


@dataclass
class _Run:
    input_x: torch.Tensor
    mult: torch.Tensor
    area: tuple[int, ...] | None
    context: torch.Tensor
    side: int
    model_conds: dict[str, torch.Tensor]
    control: Any = None


def _area_and_mult(item: CondItem, x: torch.Tensor, sigma: torch.Tensor, side: int) -> _Run | None:
    if item.sigma_start is not None and bool(sigma[0] > item.sigma_start):
        return None
    if item.sigma_end is not None and bool(sigma[0] < item.sigma_end):
        return None
    n = x.ndim - 2
    area = None
    input_x = x
    if item.area is not None:
        area = list(item.area)
        for i in range(n):
            area[i] = min(x.shape[i + 2] - area[n + i], area[i])
            input_x = input_x.narrow(i + 2, area[n + i], area[i])
    if item.mask is not None:
        mask = item.mask[:input_x.shape[0]]
        if area is not None:
            for i in range(n):
                mask = mask.narrow(i + 1, area[n + i], area[i])
        mask = mask * item.mask_strength
        mask = mask.unsqueeze(1).repeat((input_x.shape[0] // mask.shape[0], input_x.shape[1]) + (1,) * (mask.ndim - 1))
    else:
        mask = torch.ones_like(input_x)
    mult = mask * item.strength
    if item.mask is None and area is not None:
        for i in range(n):
            rr = min(FUZZ, mult.shape[2 + i] // 4)
            if area[n + i] != 0:
                for t in range(rr):
                    mult.narrow(i + 2, t, 1).mul_((1.0 / rr) * (t + 1))
            if area[i] + area[n + i] < x.shape[i + 2]:
                for t in range(rr):
                    mult.narrow(i + 2, area[i] - 1 - t, 1).mul_((1.0 / rr) * (t + 1))
    return _Run(input_x, mult, None if area is None else tuple(area), item.cross_attn, side, item.model_conds,
                item.control)


def _can_concat(a: _Run, b: _Run) -> bool:
    if a.input_x.shape != b.input_x.shape or a.control is not b.control:
        return False
    if a.model_conds.keys() != b.model_conds.keys() or \
            any(a.model_conds[k].shape != b.model_conds[k].shape for k in a.model_conds):
        return False
    s1, s2 = a.context.shape, b.context.shape
    if s1 != s2:
        if s1[0] != s2[0] or s1[2] != s2[2]:
            return False
        if math.lcm(s1[1], s2[1]) // min(s1[1], s2[1]) > MAX_TILE_RATIO:
            return False
    return True


def _to_batch(t: torch.Tensor, batch: int) -> torch.Tensor:
    """comfy/utils.py repeat_to_batch_size."""
    if t.shape[0] > batch:
        return t[:batch]
    if t.shape[0] < batch:
        return t.repeat([math.ceil(batch / t.shape[0])] + [1] * (t.ndim - 1))[:batch]
    return t


def _batch_context(runs: list[_Run]) -> torch.Tensor:
    """Each context repeated to its input batch, then tiled along tokens to the common LCM length (CONDCrossAttn)."""
    ctxs = [_to_batch(r.context, r.input_x.shape[0]) for r in runs]
    length = math.lcm(*(c.shape[1] for c in ctxs))
    return torch.cat([c.repeat(1, length // c.shape[1], 1) if c.shape[1] < length else c for c in ctxs])


def _batch_model_conds(runs: list[_Run]) -> dict[str, torch.Tensor]:
    """Other model inputs (CONDRegular): each repeated to its input batch, concatenated."""
    return {k: torch.cat([_to_batch(r.model_conds[k], r.input_x.shape[0]) for r in runs])
            for k in runs[0].model_conds}


def calc_cond_batch(predict, sides: list[list[CondItem] | None], x: torch.Tensor,
                    sigma: torch.Tensor) -> list[torch.Tensor]:
    """Weighted x0 prediction per side. `predict(x_in, sigma_in, context, conds, control=None) -> x0` runs the
    model once; `control` is the batch's ControlNet output (the chain of the batch's shared Control)."""
    outs = [torch.zeros_like(x) for _ in sides]
    counts = [torch.ones_like(x) * 1e-37 for _ in sides]
    to_run: list[_Run] = []
    for i, side in enumerate(sides):
        for item in side or ():
            r = _area_and_mult(item, x, sigma, i)
            if r is not None:
                to_run.append(r)
    while to_run:
        first = to_run[0]
        picked = [k for k in range(len(to_run)) if _can_concat(to_run[k], first)][::-1]
        batch = [to_run.pop(k) for k in picked]  # descending indices: pops stay valid
        x_in = torch.cat([r.input_x for r in batch])
        sigma_in = torch.cat([sigma] * len(batch))
        context, conds = _batch_context(batch), _batch_model_conds(batch)
        control = batch[-1].control  # one Control per batch (_can_concat)
        residuals = None if control is None else control.residuals(x_in, sigma_in, context, conds, len(batch))
        if residuals is None:
            output = predict(x_in, sigma_in, context, conds)
        else:
            output = predict(x_in, sigma_in, context, conds, control=residuals)
        output = output.chunk(len(batch))
        for r, o in zip(batch, output):
            out_c, out_n = outs[r.side], counts[r.side]
            if r.area is not None:
                n = len(r.area) // 2
                for i in range(n):
                    out_c = out_c.narrow(i + 2, r.area[i + n], r.area[i])
                    out_n = out_n.narrow(i + 2, r.area[i + n], r.area[i])
            out_c += o * r.mult
            out_n += r.mult
    for i in range(len(outs)):
        outs[i] /= counts[i]
    return outs
