"""One sweep cell as a self-contained, picklable task: workflow bytes + overrides + settings -> files.

`run_cell(task, store)` is all a worker needs (a local process here, a Ray actor elsewhere): it runs the workflow
with the cell's overrides into a private staging folder, then moves each file to its final name (the names
carry the swept values) and writes the cell's manifest last, atomically. A cell is finished exactly when its
manifest exists and names files that exist, so an interrupted sweep leaves no partial file under a final name
and `--resume` can skip finished cells.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphrun.settings import Settings

MANIFEST_SUFFIX = ".cell.json"


@dataclass(frozen=True)
class CellTask:
    """Everything needed to compute one cell, with no reference to the sweep that made it."""

    index: int  # position in the sweep (0-based, row-major over z, y, x)
    coords: tuple[int, ...]  # value index per axis (x, y, z order)
    workflow: bytes  # the workflow file's bytes (UI, API or PNG)
    workflow_name: str
    overrides: tuple[tuple[str, str, Any], ...]  # (node id, input, value), applied like --set
    settings: Settings  # output_dir is ignored: files go to out_dir
    out_dir: str  # where the cell's files and manifest go
    stem: str  # file name stem carrying the values, e.g. "img2img_start_at_step-9"
    labels: tuple[str, ...] = ()  # "start_at_step=9" per axis, for summaries and the HTML page

    @property
    def manifest(self) -> Path:
        return Path(self.out_dir) / f"{self.stem}{MANIFEST_SUFFIX}"


@dataclass
class CellResult:
    """What a cell produced: final file paths, wall time, per-node seconds, cache hits, stand-in notes."""

    index: int
    stem: str
    ok: bool
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    nodes: list[dict[str, Any]] = field(default_factory=list)
    stub_notes: list[str] = field(default_factory=list)
    error: str | None = None
    resumed: bool = False
    labels: list[str] = field(default_factory=list)
    overrides: list[list[Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def cached_nodes(self) -> int:
        return sum(1 for n in self.nodes if n.get("cached"))


ProgressFn = Callable[[str, int, int], None]


def finished(task: CellTask) -> CellResult | None:
    """The recorded result of a finished cell (manifest present, every file present), else None."""
    try:
        data = json.loads(task.manifest.read_text(encoding="utf-8"))
        result = CellResult(**data)
    except (OSError, ValueError, TypeError):
        return None
    if not result.ok or not all(Path(f).is_file() for f in result.files):
        return None
    result.resumed = True
    return result


def run_cell(task: CellTask, store=None, *, progress: ProgressFn | None = None,
             log: Callable[[str], None] | None = None) -> CellResult:
    """Compute one cell and return its result (never raises for a workflow error: ok=False with the message)."""
    from graphrun.errors import GraphrunError
    from graphrun.runtime.context import ModelStore
    from graphrun.runtime.overrides import Override
    from graphrun.runtime.run import run_workflow

    out_dir = Path(task.out_dir)
    staging = out_dir / f".staging-{task.stem}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    settings = task.settings.model_copy(update={"output_dir": staging / "output", "temp_dir": staging / "temp"})
    overrides = [Override(node, name, value) for node, name, value in task.overrides]
    start = time.perf_counter()
    base = dict(index=task.index, stem=task.stem, labels=list(task.labels),
                overrides=[list(o) for o in task.overrides])
    try:
        result = run_workflow(task.workflow, settings, overrides=overrides, store=store or ModelStore(),
                              progress=progress, log=log or (lambda msg: None), name=task.workflow_name)
        files = _publish(result.written, staging / "output", out_dir, task.stem)
    except GraphrunError as exc:
        return CellResult(ok=False, error=exc.render(), seconds=time.perf_counter() - start, **base)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    cell = CellResult(ok=True, files=[str(f) for f in files], seconds=time.perf_counter() - start,
                      nodes=[{"id": n.node_id, "class_type": n.class_type, "seconds": round(n.seconds, 4),
                              "cached": n.cached} for n in result.nodes],
                      stub_notes=list(result.stub_notes), **base)
    _write_atomic(task.manifest, json.dumps(cell.to_json(), indent=2))
    return cell


def _publish(written: list[Path], staged_root: Path, out_dir: Path, stem: str) -> list[Path]:
    """Move the staged files to `<stem>[_<k>].<ext>` (k counts the cell's files when there are several)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [Path(w) for w in written if Path(w).is_file()]
    final = []
    for k, src in enumerate(files):
        name = f"{stem}{'' if len(files) == 1 else f'_{k:02d}'}{src.suffix}"
        target = out_dir / name
        os.replace(src, target)  # same file system: atomic
        final.append(target)
    return final


def _write_atomic(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
