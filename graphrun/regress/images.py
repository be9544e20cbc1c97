"""Expected / actual / difference PNGs for the images a workflow delivers (written for the HTML report)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graphrun.regress.capture import Record, final_values


@dataclass(frozen=True)
class ImageSet:
    """Expected / actual / difference PNG paths for one delivered image (any may be None)."""

    label: str
    expected: Path | None
    actual: Path | None
    diff: Path | None
    gain: float = 1.0
    note: str = ""


def difference(actual: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-pixel largest channel difference, stretched so the largest shows white; returns (RGB image, gain)."""
    d = np.abs(actual.astype(np.int16) - expected.astype(np.int16)).max(axis=-1)
    peak = int(d.max()) if d.size else 0
    gain = 255.0 / peak if peak else 1.0
    v = np.clip(d * gain, 0, 255).astype(np.uint8)
    rgb = np.stack([v, (v * 0.35).astype(np.uint8), np.zeros_like(v)], axis=-1)  # orange-on-black heat map
    return rgb, gain


def _save(arr: np.ndarray, path: Path) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    data = arr[..., 0] if arr.ndim == 3 and arr.shape[-1] == 1 else arr
    Image.fromarray(np.ascontiguousarray(data)).save(path)
    return path


def _image_names(record: Record | None, ref: tuple[str, int]) -> list[str]:
    if record is None:
        return []
    node = record.node(ref[0]) or {}
    out = next((o for o in node.get("outputs", []) if o["slot"] == ref[1]), {})
    return list(out.get("png", []))


def image_sets(golden: Record | None, actual: Record, folder: Path) -> list:
    """One ImageSet per delivered image (batch item); the difference only where both sides exist, same size."""

    refs = list(dict.fromkeys(final_values(actual.manifest) + (final_values(golden.manifest) if golden else [])))
    sets = []
    for ref in refs:
        g_names, a_names = _image_names(golden, ref), _image_names(actual, ref)
        node = actual.node(ref[0]) or (golden.node(ref[0]) if golden else None) or {}
        for b in range(max(len(g_names), len(a_names))):
            label = f"node {ref[0]} ({node.get('class_type', '?')}) IMAGE[{ref[1]}] #{b}"
            exp = golden.images[g_names[b]] if b < len(g_names) else None
            act = actual.images[a_names[b]] if b < len(a_names) else None
            stem = f"{ref[0]}.{ref[1]}.{b}"
            e_path = _save(exp, folder / f"{stem}.expected.png") if exp is not None else None
            a_path = _save(act, folder / f"{stem}.actual.png") if act is not None else None
            d_path, gain, note = None, 1.0, ""
            if exp is not None and act is not None:
                if exp.shape == act.shape:
                    diff, gain = difference(act, exp)
                    d_path = _save(diff, folder / f"{stem}.diff.png")
                else:
                    note = f"size changed: {list(exp.shape)} -> {list(act.shape)}"
            sets.append(ImageSet(label, e_path, a_path, d_path, gain, note))
    return sets
