"""Overlapping-tile processing with ComfyUI v0.3.64's blending (`comfy/utils.py::tiled_scale_multidim` for two
spatial dims), used by VAEDecodeTiled/VAEEncodeTiled and ImageUpscaleWithModel.

Each tile is processed alone; its output is weighted by a linear ramp (1/f … f/f over the `f` output pixels of
the overlap, on every side) and the weighted sum is divided by the summed weights. An input that fits in one
tile is processed whole. Tiles start every (tile - overlap) pixels; the last one is clamped to the edge.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import torch


def tile_count(width: int, height: int, tile_x: int, tile_y: int, overlap: int) -> int:
    """Number of tiles per image (ComfyUI `get_tiled_scale_steps`)."""
    rows = 1 if height <= tile_y else math.ceil((height - overlap) / (tile_y - overlap))
    cols = 1 if width <= tile_x else math.ceil((width - overlap) / (tile_x - overlap))
    return rows * cols


def tiled_scale(samples: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor], tile_x: int, tile_y: int,
                overlap: int, scale: float, out_channels: int,
                progress: Callable[[], None] | None = None) -> torch.Tensor:
    """fn over overlapping tiles of NCHW `samples`; outputs are `scale` times the input size (float32, CPU)."""
    tile = (tile_y, tile_x)
    size = tuple(round(scale * s) for s in samples.shape[2:])
    output = torch.empty((samples.shape[0], out_channels) + size)
    feather = round(scale * overlap)
    for b in range(samples.shape[0]):
        s = samples[b:b + 1]
        if all(s.shape[d + 2] <= tile[d] for d in range(2)):
            output[b:b + 1] = fn(s).float().cpu()
            if progress:
                progress()
            continue
        out = torch.zeros((1, out_channels) + size)
        out_div = torch.zeros((1, out_channels) + size)
        starts = [range(0, s.shape[d + 2] - overlap, tile[d] - overlap) if s.shape[d + 2] > tile[d] else [0]
                  for d in range(2)]
        for it in itertools.product(*starts):
            part = s
            at = []
            for d in range(2):
                pos = max(0, min(s.shape[d + 2] - overlap, it[d]))
                part = part.narrow(d + 2, pos, min(tile[d], s.shape[d + 2] - pos))
                at.append(round(scale * pos))
            ps = fn(part).float().cpu()
            weight = torch.ones_like(ps)
            for d in (2, 3):
                if feather >= weight.shape[d]:
                    continue
                for t in range(feather):
                    a = (t + 1) / feather
                    weight.narrow(d, t, 1).mul_(a)
                    weight.narrow(d, weight.shape[d] - 1 - t, 1).mul_(a)
            o = out.narrow(2, at[0], weight.shape[2]).narrow(3, at[1], weight.shape[3])
            o_d = out_div.narrow(2, at[0], weight.shape[2]).narrow(3, at[1], weight.shape[3])
            o.add_(ps * weight)
            o_d.add_(weight)
            if progress:
                progress()
        output[b:b + 1] = out / out_div
    return output
