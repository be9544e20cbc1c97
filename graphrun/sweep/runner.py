"""Run a planned sweep: in this process, or over `-j N` local worker processes each with its own execution
cache; `--resume` skips finished cells. Events (progress, cell done) go to one callback in the parent."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphrun.sweep.cells import CellResult, CellTask, finished, run_cell
from graphrun.sweep.plan import SweepPlan


@dataclass(frozen=True)
class Progress:
    """A sampler step inside a cell: (cell index, node id, step, total)."""

    cell: int
    node_id: str
    step: int
    total: int


Event = Progress | CellResult
OnEvent = Callable[[Event], None]


def run_sweep(plan: SweepPlan, *, jobs: int = 1, resume: bool = False, cache_mb: float | None = None,
              cache: bool = True, on_event: OnEvent | None = None, store=None, threads: int = 0,
              ray=None) -> list[CellResult]:
    """Compute every cell (skipping finished ones with `resume`) and return results in cell order.

    `threads`: torch CPU threads per process (0: torch's default here, cpu_count // jobs in workers). CPU float
    reductions depend on the thread count, so pin it to get bit-identical cells whatever `jobs` is.
    `ray` (graphrun.distributed.cluster.RayOptions) computes them on a Ray cluster instead (Ray imported only then;
    Ray workers keep their own thread count)."""
    plan.cells_dir.mkdir(parents=True, exist_ok=True)
    for stale in plan.cells_dir.glob(".staging-*"):  # left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    emit = on_event or (lambda e: None)
    results: dict[int, CellResult] = {}
    todo: list[CellTask] = []
    for cell in plan.cells:
        done = finished(cell) if resume else None
        if done is not None:
            results[cell.index] = done
            emit(done)
        else:
            cell.manifest.unlink(missing_ok=True)
            todo.append(cell)
    if ray is not None:
        from graphrun.distributed.sweep import run_cells_ray

        def done(res: CellResult) -> None:
            results[res.index] = res
            emit(res)

        run_cells_ray(todo, ray, cache_mb=cache_mb, cache=cache, on_result=done)
    elif jobs <= 1 or len(todo) <= 1:
        from graphrun.runtime.context import ModelStore

        import torch

        store = store if store is not None else ModelStore.cached(cache_mb, cache)
        before = torch.get_num_threads()
        torch.set_num_threads(threads or before)
        try:
            for cell in todo:
                res = run_cell(cell, store, progress=lambda n, s, t, i=cell.index: emit(Progress(i, n, s, t)))
                results[cell.index] = res
                emit(res)
        finally:
            torch.set_num_threads(before)
    else:
        _run_pool(todo, min(jobs, len(todo)), cache_mb, cache, results, emit, threads)
    return [results[c.index] for c in plan.cells]


def _run_pool(todo: Sequence[CellTask], workers: int, cache_mb: float | None, cache: bool,
              results: dict[int, CellResult], emit: OnEvent, threads: int = 0) -> None:
    import multiprocessing as mp
    import os
    import queue

    ctx = mp.get_context("spawn")
    tasks, events = ctx.Queue(), ctx.Queue()
    for cell in todo:
        tasks.put(cell)
    for _ in range(workers):
        tasks.put(None)
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    procs = [ctx.Process(target=_worker, args=(tasks, events, cache_mb, cache, threads), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        pending = len(todo)
        while pending:
            try:
                event = events.get(timeout=1.0)
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    raise RuntimeError("sweep worker processes exited before finishing their cells") from None
                continue
            if isinstance(event, CellResult):
                results[event.index] = event
                pending -= 1
            emit(event)
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


def _worker(tasks: Any, events: Any, cache_mb: float | None, cache: bool, threads: int) -> None:
    """Worker process: one ModelStore (checkpoints + execution cache) for all the cells it takes."""
    import torch

    from graphrun.runtime.context import ModelStore

    from graphrun.backend.allocator import keep_freed_memory

    torch.set_num_threads(threads)
    keep_freed_memory()
    store = ModelStore.cached(cache_mb, cache)
    while True:
        cell = tasks.get()
        if cell is None:
            return
        try:
            res = run_cell(cell, store, progress=lambda n, s, t, i=cell.index: events.put(Progress(i, n, s, t)))
        except BaseException as exc:  # a crash is reported as the cell's failure; the parent never waits forever
            res = CellResult(index=cell.index, stem=cell.stem, ok=False, error=f"{type(exc).__name__}: {exc}",
                             labels=list(cell.labels))
            events.put(res)
            if not isinstance(exc, Exception):
                raise
            continue
        events.put(res)
