"""Image file I/O with ComfyUI v0.3.64 semantics (`nodes.py::LoadImage`, `SaveImage`, `PreviewImage`).

Tensors follow ComfyUI: IMAGE float32 [B, H, W, C] in [0, 1]; MASK float32 [B, H, W], 1.0 = masked.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from graphrun.backend.paths import SavedFile, atomic_write, file_sha256, save_path
from graphrun.errors import NodeInputError

SavedImage = SavedFile

MAX_IMAGE_SIDE = 16384
"""ComfyUI's MAX_RESOLUTION (v0.3.64): the largest width or height any node accepts."""
MAX_IMAGE_PIXELS = 1 << 28
"""Pixel budget for one batch (width × height × batch) = 16384² (3 GiB as float32 RGB)."""

_PREVIEW_LETTERS = "abcdefghijklmnopqrstupvxyz"  # ComfyUI's alphabet for PreviewImage names ('p' twice, no 'w')
_T = TypeVar("_T")


def check_image_size(width: int, height: int, batch: int = 1, *, input_name: str | None = None) -> None:
    """Refuse absurd sizes before anything is allocated: each side 1…16384 and width·height·batch ≤ 2^28."""
    dims = {"width": width, "height": height, "batch": batch}
    for label, value in dims.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise NodeInputError(input_name or label, f"{label} must be a positive integer, got {value!r}",
                                 value=value)
    for label in ("width", "height"):
        if dims[label] > MAX_IMAGE_SIDE:
            raise NodeInputError(input_name or label, f"{label} {dims[label]} exceeds the maximum of "
                                 f"{MAX_IMAGE_SIDE} pixels", value=dims[label])
    pixels = int(width) * int(height) * int(batch)
    if pixels > MAX_IMAGE_PIXELS:
        raise NodeInputError(input_name or "width", f"{width}x{height} with batch {batch} is {pixels} pixels, over "
                             f"the budget of {MAX_IMAGE_PIXELS}", value=(width, height, batch))


def _pillow(fn: Callable[[Any], _T], arg: Any) -> _T:
    """ComfyUI `node_helpers.pillow`: on a Pillow error retry once with LOAD_TRUNCATED_IMAGES enabled.

    Pillow only offers a module-level flag for this; it is restored right after the retry.
    """
    try:
        return fn(arg)
    except (OSError, UnidentifiedImageError, ValueError):
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            return fn(arg)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _frame_mask(frame: Image.Image) -> torch.Tensor:
    """1 − alpha/255 for frames with alpha (or a palette with transparency), else the 64×64 zero placeholder."""
    if "A" in frame.getbands():
        alpha = np.array(frame.getchannel("A")).astype(np.float32) / 255.0
    elif frame.mode == "P" and "transparency" in frame.info:
        alpha = np.array(frame.convert("RGBA").getchannel("A")).astype(np.float32) / 255.0
    else:
        return torch.zeros((64, 64), dtype=torch.float32)
    return 1.0 - torch.from_numpy(alpha)


def _decode(img: Image.Image) -> tuple[torch.Tensor, torch.Tensor]:
    """All frames of same size as the first → (IMAGE [F,H,W,3], MASK [F,h,w]); MPO keeps only the first frame."""
    images: list[torch.Tensor] = []
    masks: list[torch.Tensor] = []
    size = None
    for frame in ImageSequence.Iterator(img):
        frame = _pillow(ImageOps.exif_transpose, frame)
        if frame.mode == "I":
            frame = frame.point(lambda v: v * (1 / 255))
        rgb = frame.convert("RGB")
        if size is None:
            size = rgb.size
        if rgb.size != size:
            continue  # ComfyUI skips later frames of another size
        images.append(torch.from_numpy(np.array(rgb).astype(np.float32) / 255.0)[None])
        masks.append(_frame_mask(frame)[None])
    if len(images) > 1 and img.format != "MPO":
        if len({tuple(m.shape) for m in masks}) > 1:  # ComfyUI fails in torch.cat here
            raise ValueError("frames mix transparent and opaque modes, so their masks cannot be batched")
        return torch.cat(images, dim=0), torch.cat(masks, dim=0)
    return images[0], masks[0]


def load_image(path: str | os.PathLike, *, name: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """ComfyUI LoadImage: (IMAGE float32 [F,H,W,3], MASK float32 [F,h,w]) from an image file.

    `name` is the workflow value shown in errors (defaults to the path). Unreadable or non-image files raise
    NodeInputError("image", …).
    """
    label = name if name is not None else os.fspath(path)
    try:
        with _pillow(Image.open, path) as img:
            return _decode(img)
    except FileNotFoundError as exc:
        raise NodeInputError("image", f"image file not found: {os.fspath(path)!r}", value=label) from exc
    except UnidentifiedImageError as exc:
        raise NodeInputError("image", f"{os.fspath(path)!r} is not an image file Pillow can read", value=label) \
            from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise NodeInputError("image", f"cannot decode image {os.fspath(path)!r}: {exc}", value=label) from exc


def image_sha256(path: str | os.PathLike) -> str:
    """LoadImage `IS_CHANGED`: SHA-256 hex digest of the file bytes."""
    return file_sha256(path)


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """SaveImage's 8-bit conversion: clip(255·x, 0, 255) then truncate toward zero (0.999 → 254), in float32."""
    array = image.detach().cpu()
    if array.dtype not in (torch.float16, torch.float32, torch.float64):
        array = array.float()
    return np.clip(255.0 * array.numpy(), 0, 255).astype(np.uint8)


def png_metadata(prompt: Any = None, extra_pnginfo: Mapping[str, Any] | None = None) -> PngInfo:
    """tEXt chunks as SaveImage writes them: `prompt` = json.dumps(prompt), then json.dumps of each extra key."""
    info = PngInfo()
    if prompt is not None:
        info.add_text("prompt", json.dumps(prompt))
    for key in extra_pnginfo or {}:
        info.add_text(key, json.dumps(extra_pnginfo[key]))
    return info


def save_images(images: torch.Tensor, *, output_dir: str | os.PathLike, filename_prefix: str = "ComfyUI",
                prompt: Any = None, extra_pnginfo: Mapping[str, Any] | None = None, compress_level: int = 4,
                kind: str = "output", metadata: bool = True, now: datetime | None = None) -> list[SavedFile]:
    """ComfyUI SaveImage: one PNG per batch item as `<prefix>_DDDDD_.png` under output_dir, written atomically.

    `%width%`/`%height%`/`%year%`… are expanded and `%batch_num%` in the file name becomes the batch index.
    metadata=False is ComfyUI's --disable-metadata. Bad prefixes raise NodeInputError("filename_prefix");
    an unwritable folder raises UsageError.
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[0] == 0:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise NodeInputError("images", f"expected an IMAGE tensor [B,H,W,C] with B ≥ 1, got {shape}", value=shape)
    target = save_path(filename_prefix, output_dir, int(images.shape[2]), int(images.shape[1]), now=now)
    info = png_metadata(prompt, extra_pnginfo) if metadata else None
    results: list[SavedFile] = []
    counter = target.counter
    for batch_number, image in enumerate(images):
        try:
            pil = Image.fromarray(to_uint8(image))
        except (TypeError, ValueError) as exc:
            raise NodeInputError("images", f"cannot convert an image of shape {tuple(image.shape)} to PNG: {exc}",
                                 value=tuple(image.shape)) from exc
        file = f"{target.filename.replace('%batch_num%', str(batch_number))}_{counter:05}_.png"

        def write(f, pil=pil):
            pil.save(f, format="PNG", pnginfo=info, compress_level=compress_level)

        path = atomic_write(target.folder / file, write)
        results.append(SavedFile(file, target.subfolder, kind, path))
        counter += 1
    return results


def preview_images(images: torch.Tensor, *, temp_dir: str | os.PathLike, prompt: Any = None,
                   extra_pnginfo: Mapping[str, Any] | None = None, rng: random.Random | None = None,
                   metadata: bool = True, now: datetime | None = None) -> list[SavedFile]:
    """ComfyUI PreviewImage: SaveImage into temp_dir with prefix `ComfyUI_temp_xxxxx`, compress_level 1."""
    rng = rng or random.Random()
    suffix = "_temp_" + "".join(rng.choice(_PREVIEW_LETTERS) for _ in range(5))
    return save_images(images, output_dir=temp_dir, filename_prefix="ComfyUI" + suffix, prompt=prompt,
                       extra_pnginfo=extra_pnginfo, compress_level=1, kind="temp", metadata=metadata, now=now)


def read_png_text(path: str | os.PathLike) -> dict[str, str]:
    """The tEXt/iTXt chunks of a PNG (for tests and `graphrun inspect`)."""
    with Image.open(Path(path)) as img:
        img.load()
        return dict(getattr(img, "text", {}))
