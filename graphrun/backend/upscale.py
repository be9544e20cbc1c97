"""Resampling with ComfyUI v0.3.64 semantics (`comfy/utils.py::common_upscale`, `bislerp`, `lanczos`) and the
size rules of the nodes that call it (`nodes.py::ImageScale`, `ImageScaleBy`, `LatentUpscale`, `LatentUpscaleBy`).

Tensors are NCHW (IMAGE callers move channels first with `image.movedim(-1, 1)`, as ComfyUI does).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from graphrun.backend.images import check_image_size
from graphrun.errors import NodeInputError

TORCH_METHODS = ("nearest-exact", "bilinear", "area", "bicubic")
UPSCALE_METHODS = TORCH_METHODS + ("bislerp", "lanczos")
IMAGE_UPSCALE_METHODS = ("nearest-exact", "bilinear", "area", "bicubic", "lanczos")
LATENT_UPSCALE_METHODS = ("nearest-exact", "bilinear", "area", "bicubic", "bislerp")
CROP_METHODS = ("disabled", "center")


def _slerp(b1: torch.Tensor, b2: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of rows of b1, b2 ([N, C]) by ratios r ([N, 1]), norms interpolated linearly."""
    c = b1.shape[-1]
    n1 = torch.norm(b1, dim=-1, keepdim=True)
    n2 = torch.norm(b2, dim=-1, keepdim=True)
    u1 = b1 / n1
    u2 = b2 / n2
    u1[n1.expand(-1, c) == 0.0] = 0.0
    u2[n2.expand(-1, c) == 0.0] = 0.0
    dot = (u1 * u2).sum(1)
    omega = torch.acos(dot)
    so = torch.sin(omega)
    res = (torch.sin((1.0 - r.squeeze(1)) * omega) / so).unsqueeze(1) * u1 \
        + (torch.sin(r.squeeze(1) * omega) / so).unsqueeze(1) * u2
    res *= (n1 * (1.0 - r) + n2 * r).expand(-1, c)
    # nearly parallel: keep b1; nearly opposite: plain lerp
    res[dot > 1 - 1e-5] = b1[dot > 1 - 1e-5]
    res[dot < 1e-5 - 1] = (b1 * (1.0 - r) + b2 * r)[dot < 1e-5 - 1]
    return res


def _bilinear_taps(old: int, new: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source indices (left, right) and fractional weights of a 1-D bilinear resize, derived like ComfyUI does:
    by bilinearly resizing the index ramp itself (so edge clamping matches F.interpolate)."""
    ramp = torch.arange(old, dtype=torch.float32, device=device).reshape((1, 1, 1, -1))
    pos = F.interpolate(ramp, size=(1, new), mode="bilinear")
    ratios = pos - pos.floor()
    left = pos.to(torch.int64)
    ramp2 = torch.arange(old, dtype=torch.float32, device=device).reshape((1, 1, 1, -1)) + 1
    ramp2[:, :, :, -1] -= 1
    right = F.interpolate(ramp2, size=(1, new), mode="bilinear").to(torch.int64)
    return ratios, left, right


def bislerp(samples: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """ComfyUI bislerp: separable resize (width, then height) that slerps channel vectors between neighbours."""
    orig_dtype = samples.dtype
    samples = samples.float()
    n, c, h, w = samples.shape

    ratios, left, right = _bilinear_taps(w, width, samples.device)
    p1 = samples.gather(-1, left.expand((n, c, h, -1))).movedim(1, -1).reshape((-1, c))
    p2 = samples.gather(-1, right.expand((n, c, h, -1))).movedim(1, -1).reshape((-1, c))
    r = ratios.expand((n, 1, h, -1)).movedim(1, -1).reshape((-1, 1))
    result = _slerp(p1, p2, r).reshape(n, h, width, c).movedim(-1, 1)

    ratios, left, right = _bilinear_taps(h, height, samples.device)
    left = left.reshape((1, 1, -1, 1)).expand((n, c, -1, width))
    right = right.reshape((1, 1, -1, 1)).expand((n, c, -1, width))
    r = ratios.reshape((1, 1, -1, 1)).expand((n, 1, -1, width)).movedim(1, -1).reshape((-1, 1))
    p1 = result.gather(-2, left).movedim(1, -1).reshape((-1, c))
    p2 = result.gather(-2, right).movedim(1, -1).reshape((-1, c))
    result = _slerp(p1, p2, r).reshape(n, height, width, c).movedim(-1, 1)
    return result.to(orig_dtype)


def lanczos(samples: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """ComfyUI lanczos: through 8-bit PIL images (clip + truncate), Image.resize(LANCZOS), back to [0, 1].

    One-channel input stays NCHW here (ComfyUI returns [N, H, W] for it, which its callers then mis-handle).
    """
    if samples.ndim == 4:
        samples = samples.squeeze(1) if samples.shape[1] == 1 else samples.movedim(1, -1)
    out = []
    for item in samples:
        array = np.clip(255.0 * item.detach().cpu().float().numpy(), 0, 255).astype(np.uint8)
        resized = Image.fromarray(array).resize((width, height), resample=Image.Resampling.LANCZOS)
        t = np.array(resized).astype(np.float32) / 255.0
        out.append(torch.from_numpy(t).movedim(-1, 0) if t.ndim == 3 else torch.from_numpy(t)[None])
    return torch.stack(out).to(samples.device, samples.dtype)


def center_crop_box(old_width: int, old_height: int, width: int, height: int) -> tuple[int, int]:
    """(x, y) trimmed from each side by crop="center" so the source matches the target aspect ratio."""
    old_aspect = old_width / old_height
    new_aspect = width / height
    if old_aspect > new_aspect:
        return round((old_width - old_width * (new_aspect / old_aspect)) / 2), 0
    if old_aspect < new_aspect:
        return 0, round((old_height - old_height * (old_aspect / new_aspect)) / 2)
    return 0, 0


def common_upscale(samples: torch.Tensor, width: int, height: int, method: str, crop: str) -> torch.Tensor:
    """ComfyUI common_upscale: optional centre crop to the target aspect, then resize NCHW (or N,C,T,H,W) samples.

    Methods: nearest-exact, bilinear, area, bicubic (torch F.interpolate, align_corners unset, no antialias),
    bislerp, lanczos (PIL, 8-bit). Raises NodeInputError for unknown methods/crops and absurd sizes.
    """
    if method not in UPSCALE_METHODS:
        raise NodeInputError("upscale_method", f"unknown upscale method {method!r}", value=method)
    if crop not in CROP_METHODS:
        raise NodeInputError("crop", f"unknown crop method {crop!r}", value=crop)
    check_image_size(width, height, int(samples.shape[0]))
    orig_shape = tuple(samples.shape)
    if len(orig_shape) > 4:  # fold extra (temporal) dims into the batch
        samples = samples.reshape(orig_shape[0], orig_shape[1], -1, orig_shape[-2], orig_shape[-1])
        samples = samples.movedim(2, 1).reshape(-1, orig_shape[1], orig_shape[-2], orig_shape[-1])
    if crop == "center":
        old_w, old_h = samples.shape[-1], samples.shape[-2]
        x, y = center_crop_box(old_w, old_h, width, height)
        samples = samples.narrow(-2, y, old_h - y * 2).narrow(-1, x, old_w - x * 2)
    if method == "bislerp":
        out = bislerp(samples, width, height)
    elif method == "lanczos":
        out = lanczos(samples, width, height)
    else:
        out = F.interpolate(samples, size=(height, width), mode=method)
    if len(orig_shape) == 4:
        return out
    out = out.reshape((orig_shape[0], -1, orig_shape[1]) + (height, width))
    return out.movedim(2, 1).reshape(orig_shape[:-2] + (height, width))


def scale_by_size(width: int, height: int, scale_by: float) -> tuple[int, int]:
    """ImageScaleBy / LatentUpscaleBy target size: (round(width·s), round(height·s)), Python round (half to even)."""
    return round(width * scale_by), round(height * scale_by)


def image_scale_size(old_width: int, old_height: int, width: int, height: int) -> tuple[int, int] | None:
    """ImageScale target size; None means "return the image unchanged" (both 0). A 0 side keeps the aspect."""
    if width == 0 and height == 0:
        return None
    if width == 0:
        width = max(1, round(old_width * height / old_height))
    elif height == 0:
        height = max(1, round(old_height * width / old_width))
    return width, height


def latent_upscale_size(latent_width: int, latent_height: int, width: int, height: int) -> tuple[int, int] | None:
    """LatentUpscale target size in latent cells; None = unchanged (both 0). Pixel sides are ≥ 64, then //8."""
    if width == 0 and height == 0:
        return None
    if width == 0:
        height = max(64, height)
        width = max(64, round(latent_width * height / latent_height))
    elif height == 0:
        width = max(64, width)
        height = max(64, round(latent_height * width / latent_width))
    else:
        width, height = max(64, width), max(64, height)
    return width // 8, height // 8
