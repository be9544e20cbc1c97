"""`graphrun sweep --ray`: cells (graphrun.sweep.cells.CellTask) computed by Ray actors, each with its own
checkpoints and execution cache; files come back and are written on the driver, the cell's manifest last, so
a cell is finished exactly when it is finished locally (and `--resume` works the same)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphrun.distributed.blobs import Shipper, referenced_inputs, workflow_strings, write_atomic
from graphrun.distributed.cluster import RayOptions, connect
from graphrun.distributed.dispatch import Dispatcher, Stats, Task, WorkerPool
from graphrun.distributed.regress import spawner, worker_count
from graphrun.distributed.worker import CellJob, CellReply


def cell_key(strings: Sequence[str]) -> tuple[str, ...]:
    """The model files a cell names (in the workflow or in its swept values): cells sharing them share a worker."""
    from graphrun.backend.folders import MODEL_EXTENSIONS

    return tuple(sorted({s for s in strings if s.lower().endswith(tuple(MODEL_EXTENSIONS))}))


def _job(cell, shipper: Shipper) -> tuple[tuple[str, ...], CellJob]:
    name = Path(cell.workflow_name or "workflow.json").name
    values = [str(v) for _, _, v in cell.overrides]
    strings = workflow_strings(Path(name), cell.workflow) + values
    files = [shipper.ship(f"workflow/{name}", cell.workflow)]
    for rel, path in sorted(referenced_inputs(Path(cell.settings.input_dir), strings).items()):
        files.append(shipper.ship(f"input/{rel}", path.read_bytes()))
    settings = cell.settings.model_copy(update={"models_dir": Path(cell.settings.models_dir).resolve()})
    return cell_key(strings), CellJob(replace(cell, workflow=b"", settings=settings), tuple(files),
                                      f"workflow/{name}")


def run_cells_ray(cells: Sequence[Any], ray_opts: RayOptions, *, cache_mb: float | None, cache: bool,
                  on_result: Callable[[Any], None], stats_out: list[Stats] | None = None,
                  pool: WorkerPool | None = None) -> None:
    """Compute `cells` on the cluster; `on_result(CellResult)` once per cell, with driver paths."""
    from graphrun.sweep.cells import CellResult

    ray_opts.check()
    by_index = {c.index: c for c in cells}
    seen: set[int] = set()

    def on_done(task: Task, reply: CellReply) -> None:
        cell, result = by_index[task.index], reply.result
        if cell.index in seen:
            return
        seen.add(cell.index)
        out_dir = Path(cell.out_dir)
        final = []
        for f in result.files:
            target = out_dir / Path(f).name
            write_atomic(target, reply.outputs[Path(f).name])
            final.append(str(target))
        result.files = final
        if result.ok:  # the manifest last: it is what marks the cell finished
            write_atomic(cell.manifest, json.dumps(result.to_json(), indent=2).encode())
        on_result(result)

    def on_lost(task: Task, why: str) -> None:
        cell = by_index[task.index]
        if cell.index not in seen:
            seen.add(cell.index)
            on_result(CellResult(cell.index, cell.stem, False, error=why, labels=list(cell.labels)))

    if not cells:
        return
    with connect(ray_opts) as ray:
        shipper = Shipper(ray)
        tasks = [Task(c.index, *_job(c, shipper)) for c in cells]
        threads = max(1, int(ray_opts.num_cpus_per_task))
        spec = (ray_opts.num_cpus_per_task, ray_opts.num_gpus_per_task, threads)
        dispatcher = Dispatcher(ray, spawner(ray, ray_opts, threads, None), "run_cell",
                                worker_count(ray, ray_opts, len(tasks)), shared={"cache_mb": cache_mb, "cache": cache},
                                max_attempts=ray_opts.max_attempts, pool=pool, spec=spec)
        stats = dispatcher.run(tasks, on_done, on_lost)
        if stats_out is not None:
            stats_out.append(stats)
