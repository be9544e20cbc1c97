"""ComfyUI `.latent` files (v0.3.64 `nodes.py::SaveLatent`, `LoadLatent`).

Format: a safetensors file with `latent_tensor` (the raw LATENT samples, dtype kept) and an empty float32 marker
tensor `latent_format_version_0`; header metadata `prompt` = json.dumps(prompt) (or "" without a prompt) plus
json.dumps of each extra_pnginfo key. Files without the marker predate it and stored latents ×0.18215, so
LoadLatent multiplies them by 1/0.18215.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from graphrun.backend.paths import SavedFile, atomic_write, file_sha256, save_path
from graphrun.errors import NodeInputError

LATENT_KEY = "latent_tensor"
VERSION_MARKER = "latent_format_version_0"
LEGACY_SCALE = 1.0 / 0.18215


def latent_metadata(prompt: Any = None, extra_pnginfo: Mapping[str, Any] | None = None) -> dict[str, str]:
    """SaveLatent's safetensors header metadata."""
    metadata = {"prompt": json.dumps(prompt) if prompt is not None else ""}
    for key in extra_pnginfo or {}:
        metadata[key] = json.dumps(extra_pnginfo[key])
    return metadata


def save_latent(samples: torch.Tensor, *, output_dir: str | os.PathLike, filename_prefix: str = "latents/ComfyUI",
                prompt: Any = None, extra_pnginfo: Mapping[str, Any] | None = None, metadata: bool = True,
                now: datetime | None = None) -> SavedFile:
    """ComfyUI SaveLatent: write `<prefix>_DDDDD_.latent` atomically; returns where it went.

    As in ComfyUI, `%width%`/`%height%` expand to 0 (SaveLatent passes no size). metadata=False is
    --disable-metadata (no header metadata at all).
    """
    if not isinstance(samples, torch.Tensor):
        raise NodeInputError("samples", f"expected a LATENT tensor, got {type(samples).__name__}",
                             value=type(samples).__name__)
    target = save_path(filename_prefix, output_dir, now=now)
    file = f"{target.filename}_{target.counter:05}_.latent"
    tensors = {LATENT_KEY: samples.detach().cpu().contiguous(), VERSION_MARKER: torch.tensor([])}
    header = latent_metadata(prompt, extra_pnginfo) if metadata else None
    payload = safetensors_bytes(tensors, metadata=header)
    path = atomic_write(target.folder / file, lambda f: f.write(payload))
    return SavedFile(file, target.subfolder, "output", path)


def load_latent(path: str | os.PathLike, *, name: str | None = None) -> torch.Tensor:
    """ComfyUI LoadLatent: the stored samples as float32, ×(1/0.18215) for files without the version marker."""
    label = name if name is not None else os.fspath(path)
    try:
        tensors = load_file(os.fspath(path), device="cpu")
    except FileNotFoundError as exc:
        raise NodeInputError("latent", f"latent file not found: {os.fspath(path)!r}", value=label) from exc
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise NodeInputError("latent", f"{os.fspath(path)!r} is not a readable .latent (safetensors) file: {exc}",
                             value=label) from exc
    if LATENT_KEY not in tensors:
        raise NodeInputError("latent", f"{os.fspath(path)!r} has no {LATENT_KEY!r} tensor (keys: "
                             f"{sorted(tensors)})", value=label)
    multiplier = 1.0 if VERSION_MARKER in tensors else LEGACY_SCALE
    return tensors[LATENT_KEY].float() * multiplier


def latent_sha256(path: str | os.PathLike) -> str:
    """LoadLatent `IS_CHANGED`: SHA-256 hex digest of the file bytes."""
    return file_sha256(path)


def list_latent_files(input_dir: str | os.PathLike) -> list[str]:
    """LoadLatent's combo options: top-level files of input_dir ending in `.latent`, sorted."""
    try:
        entries = os.listdir(input_dir)
    except FileNotFoundError:
        return []
    return sorted(f for f in entries if os.path.isfile(os.path.join(input_dir, f)) and f.endswith(".latent"))
