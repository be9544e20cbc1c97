"""Run each workflow, capture it, compare with its golden (or record one); `-j N` spreads the work over N
processes, each with its own ModelStore so a checkpoint loads once per process."""

from __future__ import annotations

import os
import queue
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrun.errors import GraphrunError
from graphrun.regress.compare import Comparison
from graphrun.regress.config import WorkflowConfig
from graphrun.regress.images import ImageSet  # noqa: F401 - re-exported for report_html
from graphrun.settings import Settings

STATUSES = ("pass", "fail", "missing", "error", "recorded", "updated")
FAILING = ("fail", "missing", "error")


@dataclass(frozen=True)
class Job:
    """One workflow to test: its file, its folder settings (or why they could not be read)."""

    index: int
    path: Path
    config: WorkflowConfig | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Options:
    """What every worker needs: base settings, --update, and where to put outputs and report images."""

    settings: Settings
    update: bool = False
    work_dir: Path = Path(".")
    artifacts: bool = False  # write expected/actual/difference PNGs for the HTML report
    registry: Any = None  # a NodeRegistry; None = graphrun's own nodes (tests pass stub nodes)
    threads: int = 1  # torch CPU threads per worker (0 = torch's default); pinned so CPU reruns are bit-exact
    cache_mb: float | None = None  # execution cache per worker (runtime/cache.py); None = default size
    cache: bool = True


@dataclass
class Outcome:
    """The result of testing one workflow, as shown in the console, JSON, HTML and JUnit reports."""

    index: int
    path: Path
    status: str
    message: str = ""
    seconds: float = 0.0
    comparison: Comparison | None = None
    nodes: list[tuple[str, str, float]] = field(default_factory=list)
    error_type: str = ""
    details: list[str] = field(default_factory=list)
    images: list[ImageSet] = field(default_factory=list)
    golden: Path | None = None
    stub_notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.status in FAILING


def _slug(path: Path, index: int) -> str:
    return f"{index:03d}-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem)[:60]


def _find_file(settings: Settings) -> Callable[[str, str], Path | None]:
    from graphrun.backend.folders import ModelFolders
    from graphrun.errors import ModelError

    folders = ModelFolders(settings.models_dir, settings.extra_model_paths, input_dir=settings.input_dir,
                           output_dir=settings.output_dir)

    def find(folder: str, name: str) -> Path | None:
        try:
            return folders.find(folder, name)
        except (ModelError, OSError):
            return None

    return find


def _error(job: Job, start: float, exc: BaseException, kind: str | None = None) -> Outcome:
    if isinstance(exc, GraphrunError):
        details = [i.render() for i in exc.issues]
        return Outcome(job.index, job.path, "error", exc.message, time.perf_counter() - start,
                       error_type=kind or type(exc).__name__, details=details)
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return Outcome(job.index, job.path, "error", f"{type(exc).__name__}: {exc}", time.perf_counter() - start,
                   error_type=kind or type(exc).__name__, details=["".join(tb[-3:]).rstrip()])


@dataclass
class Captured:
    """What running one workflow produced, before any golden is read: the record and per-node timings.

    `run_one` = `capture_job` + `judge`; a remote worker (graphrun.distributed) runs the first half and the
    driver, which holds the goldens, the second."""

    record: Any  # graphrun.regress.capture.Record
    nodes: list[tuple[str, str, float]]
    stub_notes: list[str]
    seconds: float


def capture_job(job: Job, opts: Options, store) -> Captured | Outcome:
    """Run one workflow and capture every node; an error Outcome when it cannot run."""
    from graphrun.backend.devices import pick_device
    from graphrun.regress.capture import capture
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.overrides import Override
    from graphrun.runtime.run import run_workflow

    start = time.perf_counter()
    if job.problem or job.config is None:
        return Outcome(job.index, job.path, "error", job.problem or "no settings", error_type="ConfigError")
    cfg, out_dir = job.config, opts.work_dir / _slug(job.path, job.index)
    try:
        overrides = [Override.parse(s) for s in cfg.overrides]
        settings = opts.settings.model_copy(update={
            "output_dir": out_dir / "output", "temp_dir": out_dir / "temp", "progress": False,
            "input_dir": cfg.input_dir or opts.settings.input_dir})
        registry = opts.registry or default_registry()
        result = run_workflow(job.path, settings, overrides=overrides, store=store, registry=registry,
                              log=lambda msg: None)
        device = str(pick_device(settings.device))
        # The device used is recorded in the environment; the request (`auto` vs `cpu`) is not a change.
        run_settings = {"stub_models": settings.stub_models, "stub_size": settings.stub_size,
                        "overrides": list(cfg.overrides)}
        actual = capture(result, registry, device=device, settings=run_settings, workflow=job.path,
                         find_file=_find_file(settings))
    except Exception as exc:
        return _error(job, start, exc)
    return Captured(actual, [(n.node_id, n.class_type, n.seconds) for n in result.nodes], list(result.stub_notes),
                    time.perf_counter() - start)


def run_one(job: Job, opts: Options, store) -> Outcome:
    """Test one workflow: run it, capture every node, then compare with (or record) its golden."""
    got = capture_job(job, opts, store)
    return got if isinstance(got, Outcome) else judge(job, opts, got)


def judge(job: Job, opts: Options, got: Captured) -> Outcome:
    """Compare a captured run with the workflow's golden (or record one with --update)."""
    from graphrun.regress.compare import compare_records
    from graphrun.regress.golden import golden_dir, has_golden, read_golden, write_golden

    start = time.perf_counter() - got.seconds
    actual, out_dir = got.record, opts.work_dir / _slug(job.path, job.index)
    base = dict(index=job.index, path=job.path, seconds=got.seconds, golden=golden_dir(job.path),
                nodes=list(got.nodes), stub_notes=list(got.stub_notes))
    target = golden_dir(job.path)
    try:
        if not has_golden(job.path):
            if opts.update:
                write_golden(actual, target)
                return _finish(Outcome(status="recorded", message=f"recorded {target}", **base), None, actual, opts, out_dir)
            return _finish(Outcome(status="missing", message=f"no golden at {target}; run with --update to record one",
                                   **base), None, actual, opts, out_dir)
        try:
            golden = read_golden(target)
        except GraphrunError as exc:  # a damaged golden: an error, or replaced with --update
            if not opts.update:
                raise
            write_golden(actual, target)
            return _finish(Outcome(status="updated", message=f"replaced unreadable golden: {exc.message}", **base),
                           None, actual, opts, out_dir)
        cmp = compare_records(golden, actual, job.config.tolerance)
        status, message = ("pass", "") if cmp.passed else ("fail", _failure_text(cmp))
        if not cmp.passed and opts.update:
            write_golden(actual, target)
            status, message = "updated", f"re-recorded {target} (was: {message})"
        out = Outcome(status=status, message=message, comparison=cmp, **base)
        return _finish(out, golden, actual, opts, out_dir)
    except Exception as exc:
        return _error(job, start, exc, "GoldenError")


def _failure_text(cmp: Comparison) -> str:
    first = f"first divergence at {cmp.first.describe()}" if cmp.first else "outputs differ"
    return "; ".join([first, *cmp.problems])


def _finish(out: Outcome, golden, actual, opts: Options, out_dir: Path) -> Outcome:
    """Attach expected/actual/difference images of the delivered IMAGE values when a report is wanted."""
    if opts.artifacts:
        from graphrun.regress.images import image_sets

        out.images = image_sets(golden, actual, out_dir / "images")
    return out


def _worker(jobs: Sequence[Job], opts: Options, results, threads: int) -> None:
    """Process body for -j N: one ModelStore for all of this worker's workflows."""
    import torch

    from graphrun.runtime.context import ModelStore

    from graphrun.backend.allocator import keep_freed_memory

    torch.set_num_threads(opts.threads or threads)
    keep_freed_memory()
    store = ModelStore.cached(opts.cache_mb, opts.cache)
    for job in jobs:
        try:
            results.put(run_one(job, opts, store))
        except Exception as exc:  # noqa: BLE001 - one workflow's bug becomes its outcome; the others still run
            results.put(_error(job, time.perf_counter(), exc))
        except BaseException as exc:  # interrupted: tell the parent (it must not wait), then stop as asked
            results.put(_error(job, time.perf_counter(), exc, "Interrupted"))
            raise


def run_jobs(jobs: Sequence[Job], opts: Options, workers: int = 1,
             on_outcome: Callable[[Outcome], None] | None = None, store=None) -> list[Outcome]:
    """Test every job (in this process, or over `workers` spawned processes) and return outcomes in job order.

    `store` (a ModelStore) lets an in-process caller keep loaded checkpoints across calls."""
    from graphrun.regress.discover import model_key, partition
    from graphrun.runtime.context import ModelStore

    done: dict[int, Outcome] = {}

    def emit(outcome: Outcome) -> None:
        done[outcome.index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    if workers <= 1 or len(jobs) <= 1:
        import torch

        store = store if store is not None else ModelStore.cached(opts.cache_mb, opts.cache)
        before = torch.get_num_threads()
        torch.set_num_threads(opts.threads or before)
        try:
            for job in jobs:
                emit(run_one(job, opts, store))
        finally:
            torch.set_num_threads(before)
        return [done[j.index] for j in jobs]
    _run_pool(partition(list(jobs), [model_key(j.path) for j in jobs], workers), opts, emit)
    return [done[j.index] for j in jobs]


def _run_pool(buckets: list[list[Job]], opts: Options, emit: Callable[[Outcome], None]) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # fork after torch has started threads can deadlock
    results = ctx.Queue()
    threads = max(1, (os.cpu_count() or 1) // len(buckets))
    procs = [ctx.Process(target=_worker, args=(b, opts, results, threads), daemon=True) for b in buckets]
    for p in procs:
        p.start()
    pending = {j.index: (j, k) for k, b in enumerate(buckets) for j in b}
    while pending:
        try:
            outcome = results.get(timeout=1.0)
        except queue.Empty:
            dead = {k for k, p in enumerate(procs) if not p.is_alive()}
            lost = [j for j, k in pending.values() if k in dead]
            if lost and _drained(results, pending, emit):
                continue
            for job in lost:
                code = procs[pending[job.index][1]].exitcode
                pending.pop(job.index)
                emit(Outcome(job.index, job.path, "error", f"worker process died (exit code {code}) before "
                             f"finishing this workflow", error_type="WorkerCrash"))
            continue
        if outcome.index in pending:
            pending.pop(outcome.index)
            emit(outcome)
    for p in procs:
        p.join(timeout=10)


def _drained(results, pending: dict[int, Any], emit: Callable[[Outcome], None]) -> bool:
    """Collect results still in flight from exited workers; True when any arrived."""
    got = False
    while True:
        try:
            outcome = results.get(timeout=0.5)
        except queue.Empty:
            return got
        if outcome.index in pending:
            pending.pop(outcome.index)
            emit(outcome)
            got = True
