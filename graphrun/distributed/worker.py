"""The Ray actor: one per worker slot, holding its own ModelStore (loaded checkpoints) across tasks.

A task arrives as driver-side paths plus the shipped files; the actor lays the files out in a fresh task folder,
runs there, and answers with the captured record (goldens are compared on the driver) and the bytes of every
file the run wrote. Nothing is written outside its own temporary folders.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphrun.distributed.blobs import BlobCache, Shipped, collect_outputs


@dataclass(frozen=True)
class TestTask:
    """One `graphrun test` workflow: the driver's Job and the files it needs."""

    job: Any  # graphrun.regress.runner.Job (driver paths)
    files: tuple[Shipped, ...]
    workflow_rel: str  # which of `files` is the workflow
    input_rel: str = "input"  # folder of the shipped input files inside the task folder


@dataclass
class Reply:
    """What comes back for one task: a Captured record or an error Outcome, plus the files the run wrote."""

    index: int
    result: Any  # graphrun.regress.runner.Captured | Outcome
    outputs: dict[str, bytes] = field(default_factory=dict)  # path relative to the run's folder -> bytes
    host: str = ""
    pid: int = 0
    worker_path: str = ""  # where the workflow lay on the worker (to translate messages back)
    seconds: float = 0.0
    fetched: int = 0  # shipped files this task had to fetch (the rest were in the node's cache already)


@dataclass(frozen=True)
class CellJob:
    """One sweep cell: the CellTask (its workflow bytes travel as a shipped file instead) and its files."""

    cell: Any  # graphrun.sweep.cells.CellTask, workflow=b""
    files: tuple[Shipped, ...]
    workflow_rel: str


@dataclass
class CellReply:
    result: Any  # graphrun.sweep.cells.CellResult (worker paths in .files)
    outputs: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes
    host: str = ""
    pid: int = 0
    fetched: int = 0


class GraphrunWorker:
    """Plain class; `ray.remote(GraphrunWorker)` makes it an actor (see regress.spawner)."""

    def __init__(self, threads: int = 1, models_dir: str | None = None):
        import torch

        self.threads = max(1, threads)
        from graphrun.backend.allocator import keep_freed_memory

        torch.set_num_threads(self.threads)
        keep_freed_memory()
        self.store = None  # made by the first task: checkpoints + execution cache, kept for every later task
        self.blobs = BlobCache()
        self.models_dir = os.environ.get("GRAPHRUN_MODELS_DIR") or models_dir  # the worker's own copy wins
        self.scratch = Path(tempfile.mkdtemp(prefix="graphrun-ray-task-"))

    def hello(self) -> dict[str, Any]:
        from graphrun.distributed.cluster import identity

        return identity()

    def _store(self, cache_mb: float | None, cache: bool):
        if self.store is None:
            from graphrun.runtime.context import ModelStore

            self.store = ModelStore.cached(cache_mb, cache)
        return self.store

    def _options(self, opts, folder: Path, input_dir: Path):
        update = {"input_dir": input_dir}
        if self.models_dir:
            update["models_dir"] = Path(self.models_dir)
        return replace(opts, settings=opts.settings.model_copy(update=update), work_dir=folder, threads=self.threads)

    def run_test(self, opts, task: TestTask) -> Reply:
        """Run one workflow of a suite in a fresh folder; the record and written files go back to the driver."""
        import ray

        from graphrun.regress.runner import _error, _slug, capture_job

        start = time.perf_counter()
        job = task.job
        folder = Path(tempfile.mkdtemp(prefix=f"{job.index:03d}-", dir=self.scratch))
        try:
            before = self.blobs.fetched
            try:
                self.blobs.materialize(task.files, folder / "files", ray)
            except Exception as exc:
                return Reply(job.index, _error(job, start, exc, "ShippingError"), host=socket.gethostname(),
                             pid=os.getpid())
            local = replace(job, path=folder / "files" / task.workflow_rel,
                            config=replace(job.config, input_dir=None) if job.config else None)
            run_opts = self._options(opts, folder / "runs", folder / "files" / task.input_rel)
            result = capture_job(local, run_opts, self._store(opts.cache_mb, opts.cache))
            outputs = collect_outputs(folder / "runs" / _slug(local.path, local.index))
            return Reply(job.index, result, outputs, socket.gethostname(), os.getpid(), str(local.path),
                         time.perf_counter() - start, self.blobs.fetched - before)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def run_cell(self, shared: dict[str, Any], task: CellJob) -> CellReply:
        """Compute one sweep cell in a fresh folder; its files (final names) come back with the result."""
        import ray

        from graphrun.sweep.cells import CellResult, run_cell

        cell = task.cell
        folder = Path(tempfile.mkdtemp(prefix=f"cell{cell.index:05d}-", dir=self.scratch))
        try:
            before = self.blobs.fetched
            try:
                self.blobs.materialize(task.files, folder / "files", ray)
            except Exception as exc:
                return CellReply(CellResult(cell.index, cell.stem, False, error=f"ShippingError: {exc}",
                                            labels=list(cell.labels)), host=socket.gethostname(), pid=os.getpid())
            update = {"input_dir": folder / "files" / "input"}
            if self.models_dir:
                update["models_dir"] = Path(self.models_dir)
            local = replace(cell, workflow=(folder / "files" / task.workflow_rel).read_bytes(),
                            settings=cell.settings.model_copy(update=update), out_dir=str(folder / "out"))
            result = run_cell(local, self._store(shared.get("cache_mb"), shared.get("cache", True)))
            outputs = {Path(f).name: Path(f).read_bytes() for f in result.files}
            return CellReply(result, outputs, socket.gethostname(), os.getpid(), self.blobs.fetched - before)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
