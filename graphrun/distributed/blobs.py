"""Files shipped by content hash: no shared disk is assumed between the driver and the workers.

The driver reads each file a task needs (the workflow, the input images and other input-folder files it names),
puts each distinct content into Ray's object store once and sends tasks `(relative path, sha256, ref)` triples.
A worker keeps a per-node cache `<tmp>/graphrun-ray-blobs/<sha256>`: a file already there (from an earlier task
or another actor on the same node) is not fetched again; a fetched one is verified before it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ANNOTATIONS = (" [input]", " [output]", " [temp]")  # ComfyUI's folder suffixes on file names


@dataclass(frozen=True)
class Shipped:
    """One file of a task: where it goes in the task folder, its content hash and the object holding it."""

    rel: str  # posix path inside the task folder, e.g. "workflow/a.json", "input/sub/x.png"
    sha256: str
    ref: Any  # ray.ObjectRef of the bytes


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def workflow_strings(path: Path, raw: bytes, overrides: Sequence[str] = ()) -> list[str]:
    """Every string in the workflow (both PNG chunks for a PNG) and every override value: candidate file names."""
    try:
        if path.suffix.lower() == ".png":
            from graphrun.workflow.png import text_chunks

            data = [json.loads(v) for k, v in text_chunks(raw).items() if k in ("prompt", "workflow")]
        else:
            data = json.loads(raw)
    except Exception:
        data = None  # unreadable: the worker reports it, exactly as a local run would
    values = [o.split("=", 1)[1] for o in overrides if "=" in o]
    return list(dict.fromkeys([*_strings(data), *values]))


def referenced_inputs(folder: Path, strings: Iterable[str]) -> dict[str, Path]:
    """{name: file} for the strings that name a file inside the input folder (annotation suffix dropped)."""
    found: dict[str, Path] = {}
    root = folder.resolve()
    for s in strings:
        for suffix in ANNOTATIONS:
            s = s.removesuffix(suffix)
        if not s or len(s) > 1024 or "\0" in s or s.startswith(("/", "\\")) or ".." in PurePosixPath(s).parts:
            continue
        try:
            path = (root / s).resolve()
            if path.is_file() and path.is_relative_to(root):
                found[PurePosixPath(s).as_posix()] = path
        except (OSError, ValueError):
            continue
    return found


class Shipper:
    """Driver side: one object per distinct content, however many tasks use it."""

    def __init__(self, ray):
        self.ray = ray
        self.refs: dict[str, Any] = {}
        self.bytes_put = 0

    def ship(self, rel: str, data: bytes) -> Shipped:
        sha = hashlib.sha256(data).hexdigest()
        if sha not in self.refs:
            self.refs[sha] = self.ray.put(data)
            self.bytes_put += len(data)
        return Shipped(rel, sha, self.refs[sha])


class BlobCache:
    """Worker side: content-addressed files on this node, fetched from the object store only when missing."""

    def __init__(self, root: Path | None = None):
        self.root = root or Path(tempfile.gettempdir()) / f"graphrun-ray-blobs-{os.getuid()}"
        self.root.mkdir(parents=True, exist_ok=True)
        self.fetched = 0

    def path(self, item: Shipped, ray) -> Path:
        target = self.root / item.sha256
        if target.is_file():
            return target
        data = ray.get(item.ref)
        if hashlib.sha256(data).hexdigest() != item.sha256:
            raise OSError(f"shipped file {item.rel}: content does not match its sha256 {item.sha256}")
        tmp = target.with_name(f".{item.sha256}.{os.getpid()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # atomic: another actor on this node may be writing the same blob
        self.fetched += 1
        return target

    def materialize(self, items: Sequence[Shipped], folder: Path, ray) -> None:
        """Lay the task's files out under `folder` (hard links into the cache where the disk allows)."""
        for item in items:
            dest = folder / PurePosixPath(item.rel)
            if not dest.resolve().is_relative_to(folder.resolve()):
                raise OSError(f"shipped file {item.rel!r} would land outside the task folder")
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = self.path(item, ray)
            try:
                os.link(src, dest)
            except OSError:
                shutil.copyfile(src, dest)


def collect_outputs(folder: Path) -> dict[str, bytes]:
    """Every file a run wrote under `folder`, by posix path relative to it (sent back to the driver)."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either nothing or all of it (temp file in the same folder, renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
