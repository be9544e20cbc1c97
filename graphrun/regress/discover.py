"""Find the workflows under the paths given to `graphrun test` and group them by the checkpoints they load."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from graphrun.errors import UsageError



def _skipped_dir(part: str) -> bool:
    return part.startswith(".") or part.endswith((".golden", ".golden.tmp", ".golden.old")) or part == "__pycache__"


def _png_has_workflow(path: Path) -> bool:
    """Only PNGs that carry a ComfyUI prompt/workflow are workflows; plain images (inputs) are skipped."""
    from graphrun.workflow.png import PngFormatError, text_chunks

    try:
        chunks = text_chunks(path.read_bytes())
    except (OSError, PngFormatError):
        return True  # let the run report it as a broken workflow
    return "prompt" in chunks or "workflow" in chunks


def discover(paths: Sequence[Path]) -> list[Path]:
    """Workflow files (.json, and .png with an embedded workflow) under each folder, plus files named directly."""
    found: list[Path] = []
    for root in paths:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).parts
                if not path.is_file() or any(_skipped_dir(p) for p in rel[:-1]):
                    continue
                suffix = path.suffix.lower()
                if suffix == ".json" or (suffix == ".png" and _png_has_workflow(path)):
                    found.append(path)
        else:
            raise UsageError(f"graphrun test: {root} is neither a workflow file nor a folder")
    return list(dict.fromkeys(found))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def model_key(path: Path) -> tuple[str, ...]:
    """The model file names a workflow mentions (cheap scan of its JSON), used to keep them on one worker."""
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".png":
            from graphrun.workflow.png import text_chunks

            data = [json.loads(v) for k, v in text_chunks(raw).items() if k in ("prompt", "workflow")]
        else:
            data = json.loads(raw)
    except Exception:
        return ()
    # the extensions the model folders list (one set: graphrun.backend.folders, ComfyUI's supported_pt_extensions)
    from graphrun.backend.folders import MODEL_EXTENSIONS

    return tuple(sorted({s for s in _strings(data) if s.lower().endswith(tuple(MODEL_EXTENSIONS))}))


def partition(items: Sequence[Any], keys: Sequence[tuple[str, ...]], workers: int) -> list[list[Any]]:
    """Split items into at most `workers` near-equal buckets, each holding runs of the same model key."""
    order = sorted(range(len(items)), key=lambda i: (keys[i], i))
    workers = max(1, min(workers, len(items)))
    size = math.ceil(len(items) / workers) if items else 0
    return [[items[i] for i in order[k * size:(k + 1) * size]] for k in range(workers) if order[k * size:(k + 1) * size]]
