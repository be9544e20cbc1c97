"""Golden records on disk: `NAME.golden/` beside the workflow with manifest.json, tensors.safetensors, images/."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from graphrun.errors import UsageError
from graphrun.regress.capture import FORMAT, Record

MANIFEST = "manifest.json"
TENSORS = "tensors.safetensors"
IMAGES = "images"


def golden_dir(workflow: Path) -> Path:
    """`dir/NAME.json` -> `dir/NAME.golden/` (the file's stem; PNG and API files alike)."""
    return workflow.with_name(workflow.stem + ".golden")


def has_golden(workflow: Path) -> bool:
    return (golden_dir(workflow) / MANIFEST).is_file()


def write_golden(record: Record, target: Path) -> None:
    """Write `record` to `target` atomically (a sibling temp folder renamed into place)."""
    from PIL import Image
    from safetensors.torch import save_file

    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / IMAGES).mkdir(parents=True)
    (tmp / MANIFEST).write_text(json.dumps(record.manifest, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    if record.tensors:
        save_file({k: v.contiguous() for k, v in record.tensors.items()}, str(tmp / TENSORS),
                  metadata={"format": FORMAT})
        os.chmod(tmp / TENSORS, 0o644)  # safetensors writes 0600; goldens are shared files
    for name, arr in record.images.items():
        mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(arr.shape[-1]) if arr.ndim == 3 else "L"
        data = arr[..., 0] if arr.ndim == 3 and arr.shape[-1] == 1 else arr
        Image.fromarray(np.ascontiguousarray(data), mode=mode).save(tmp / IMAGES / name, compress_level=9)
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old)
    else:
        os.replace(tmp, target)


def read_golden(source: Path) -> Record:
    """Load a golden folder; a damaged one raises UsageError naming the file."""
    from PIL import Image
    from safetensors.torch import load_file

    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"golden {source / MANIFEST} is unreadable: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UsageError(f"golden {source / MANIFEST}: expected format {FORMAT!r}, "
                         f"got {manifest.get('format') if isinstance(manifest, dict) else manifest!r}")
    tensors = {}
    if (source / TENSORS).is_file():
        try:
            tensors = load_file(str(source / TENSORS))
        except Exception as exc:
            raise UsageError(f"golden {source / TENSORS} is unreadable: {exc}") from None
    images = {}
    for node in manifest.get("nodes", []):
        for out in node.get("outputs", []):
            for name in out.get("png", []):
                try:
                    with Image.open(source / IMAGES / name) as im:
                        images[name] = np.asarray(im)
                except OSError as exc:
                    raise UsageError(f"golden image {source / IMAGES / name} is unreadable: {exc}") from None
    return Record(manifest, tensors, {k: v if v.ndim == 3 else v[..., None] for k, v in images.items()})
