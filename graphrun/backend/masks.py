"""MASK values (float32 [B,H,W], 1 = masked) with ComfyUI v0.3.64 semantics: loading a mask from one channel of
an image file (`nodes.py::LoadImageMask`), checks that turn bad masks into clear input errors, and the pixel
blanking and mask growing shared by the inpaint encoders (`VAEEncodeForInpaint`, `InpaintModelConditioning`).
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from graphrun.backend.images import _pillow
from graphrun.errors import NodeInputError

MASK_CHANNELS = ("alpha", "red", "green", "blue")


def load_image_mask(path: str | os.PathLike, channel: str, *, name: str | None = None) -> torch.Tensor:
    """LoadImageMask: one channel of the first frame as MASK [1,H,W]; alpha is inverted (1 = transparent).

    Non-RGBA images are converted to RGBA first (so "alpha" of an opaque image is all zeros)."""
    label = name if name is not None else os.fspath(path)
    if channel not in MASK_CHANNELS:
        raise NodeInputError("channel", f"channel must be one of {', '.join(MASK_CHANNELS)}, got {channel!r}",
                             value=channel)
    try:
        with _pillow(Image.open, path) as img:
            img = _pillow(ImageOps.exif_transpose, img)
            if img.getbands() != ("R", "G", "B", "A"):
                if img.mode == "I":
                    img = img.point(lambda v: v * (1 / 255))
                img = img.convert("RGBA")
            band = channel[0].upper()
            values = np.array(img.getchannel(band)).astype(np.float32) / 255.0
    except FileNotFoundError as exc:
        raise NodeInputError("image", f"image file not found: {os.fspath(path)!r}", value=label) from exc
    except UnidentifiedImageError as exc:
        raise NodeInputError("image", f"{os.fspath(path)!r} is not an image file Pillow can read", value=label) \
            from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise NodeInputError("image", f"cannot decode image {os.fspath(path)!r}: {exc}", value=label) from exc
    mask = torch.from_numpy(values)
    if band == "A":
        mask = 1.0 - mask
    return mask.unsqueeze(0)


def check_mask(mask, input_name: str = "mask") -> torch.Tensor:
    """A MASK must be a float tensor [H,W], [B,H,W] or [B,1,H,W] with non-empty sides and finite values."""
    if not isinstance(mask, torch.Tensor):
        raise NodeInputError(input_name, f"expected a MASK tensor, got {type(mask).__name__}",
                             value=type(mask).__name__)
    shape = tuple(mask.shape)
    if mask.ndim not in (2, 3, 4) or (mask.ndim == 4 and shape[1] != 1):
        hint = " (an IMAGE? convert it with ImageToMask)" if mask.ndim == 4 and shape[-1] in (3, 4) else ""
        raise NodeInputError(input_name, f"a MASK must be [H,W], [B,H,W] or [B,1,H,W]; got shape {list(shape)}"
                             f"{hint}", value=list(shape))
    if min(shape[-2:]) < 1 or shape[0] < 1:
        raise NodeInputError(input_name, f"the mask is empty (shape {list(shape)})", value=list(shape))
    if not mask.dtype.is_floating_point:
        mask = mask.float()
    if not bool(torch.isfinite(mask).all()):
        raise NodeInputError(input_name, "the mask contains NaN or infinite values", value=list(shape))
    return mask


def check_mask_batch(mask: torch.Tensor, batch: int, input_name: str = "mask", what: str = "image") -> None:
    """Per-item masks must be one mask, or one per item of the batch (ComfyUI fails deep inside otherwise)."""
    count = mask.shape[0] if mask.ndim >= 3 else 1
    if count not in (1, batch):
        raise NodeInputError(input_name, f"the mask batch has {count} masks but the {what} batch has {batch}; "
                             f"give one mask or one per {what}", value=count)


def check_image(image, input_name: str) -> torch.Tensor:
    if not isinstance(image, torch.Tensor) or image.ndim != 4 or min(image.shape) < 1:
        shape = list(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise NodeInputError(input_name, f"expected an IMAGE [B,H,W,C], got {shape}", value=shape)
    return image


def resize_mask_to(mask: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """[B,1,height,width], bilinear (torch defaults, as ComfyUI's inpaint encoders)."""
    m = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).float()
    return torch.nn.functional.interpolate(m, size=(height, width), mode="bilinear")


def crop_offsets(height: int, width: int, multiple: int) -> tuple[int, int, int, int]:
    """(rows kept, cols kept, row offset, col offset) of the centred crop to a multiple of the VAE's ratio."""
    h, w = height // multiple * multiple, width // multiple * multiple
    return h, w, (height % multiple) // 2, (width % multiple) // 2


def blank_masked_pixels(pixels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked pixels (mask rounded to 0/1) set to grey 0.5 in RGB; mask is [B,1,H,W] at the pixel size."""
    pixels = pixels.clone()
    keep = (1.0 - mask.round()).squeeze(1)
    for i in range(3):
        pixels[:, :, :, i] -= 0.5
        pixels[:, :, :, i] *= keep
        pixels[:, :, :, i] += 0.5
    return pixels


def grow_mask(mask: torch.Tensor, grow_by: int) -> torch.Tensor:
    """The rounded mask dilated by a grow_by×grow_by box (conv2d with a ones kernel, clamped to 0..1)."""
    if grow_by == 0:
        return mask
    kernel = torch.ones((1, 1, grow_by, grow_by))
    padding = math.ceil((grow_by - 1) / 2)
    return torch.clamp(torch.nn.functional.conv2d(mask.round(), kernel, padding=padding), 0, 1)
