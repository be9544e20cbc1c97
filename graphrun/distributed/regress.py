"""`graphrun test --ray`: the suite's workflows run on Ray actors; goldens are read, compared and written, and
every output file is written (atomically, once), on the driver, so the reports equal a local run's."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphrun.distributed.blobs import Shipper, referenced_inputs, workflow_strings, write_atomic
from graphrun.distributed.cluster import RayOptions, connect
from graphrun.distributed.dispatch import Dispatcher, Stats, Task, WorkerPool
from graphrun.distributed.worker import GraphrunWorker, Reply, TestTask
from graphrun.errors import UsageError
from graphrun.regress.runner import Job, Options, Outcome, _slug, judge


def worker_count(ray, ray_opts: RayOptions, n_tasks: int) -> int:
    """Actors to start: --ray-workers, else what the cluster's CPUs (and GPUs, when asked for) allow."""
    res = ray.cluster_resources()
    n = int(res.get("CPU", 0) // ray_opts.num_cpus_per_task)
    if ray_opts.num_gpus_per_task:
        n = min(n, int(res.get("GPU", 0) // ray_opts.num_gpus_per_task))
    if n < 1:  # no node could ever place one worker: say so instead of waiting forever
        raise UsageError(f"--ray: the cluster has {res.get('CPU', 0):g} CPU(s) and {res.get('GPU', 0):g} GPU(s); "
                         f"a worker needs {ray_opts.num_cpus_per_task:g} CPU(s) and {ray_opts.num_gpus_per_task:g} "
                         f"GPU(s) (--num-cpus-per-task / --num-gpus-per-task)")
    if ray_opts.workers:
        return max(1, min(ray_opts.workers, n_tasks))
    return max(1, min(n, n_tasks))


def spawner(ray, ray_opts: RayOptions, threads: int, models_dir: str | None) -> Callable[[], Any]:
    actor_cls = ray.remote(GraphrunWorker)

    def spawn():
        return actor_cls.options(num_cpus=ray_opts.num_cpus_per_task, num_gpus=ray_opts.num_gpus_per_task,
                                 max_restarts=0, max_concurrency=1, scheduling_strategy="SPREAD").remote(
            threads, models_dir)

    return spawn


def _task(job: Job, opts: Options, shipper: Shipper) -> TestTask:
    raw = job.path.read_bytes()
    files = [shipper.ship(f"workflow/{job.path.name}", raw)]
    folder = job.config.input_dir or opts.settings.input_dir
    strings = workflow_strings(job.path, raw, job.config.overrides)
    for name, path in sorted(referenced_inputs(folder, strings).items()):
        files.append(shipper.ship(f"input/{name}", path.read_bytes()))
    return TestTask(job, tuple(files), f"workflow/{job.path.name}")


def _from_worker(out: Outcome, job: Job, reply: Reply) -> Outcome:
    """An error Outcome made on a worker, told in the driver's terms (its paths, not the worker's folder)."""
    def fix(text: str) -> str:
        return text.replace(reply.worker_path, str(job.path)) if reply.worker_path else text

    return replace(out, path=job.path, message=fix(out.message), details=[fix(d) for d in out.details])


def run_jobs_ray(jobs: Sequence[Job], opts: Options, ray_opts: RayOptions,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 stats_out: list[Stats] | None = None, pool: WorkerPool | None = None) -> list[Outcome]:
    """Test every job on the cluster; outcomes in job order, as `runner.run_jobs` returns them. `pool` keeps
    the workers (and their loaded models) warm for the caller's next run."""
    from graphrun.regress.discover import model_key

    ray_opts.check()
    done: dict[int, Outcome] = {}
    by_index = {j.index: j for j in jobs}

    def emit(outcome: Outcome) -> None:
        if outcome.index in done:
            return  # a late duplicate (a retried task whose first run answered after all): never twice
        done[outcome.index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    runnable = []
    for job in jobs:
        if job.problem or job.config is None:
            emit(Outcome(job.index, job.path, "error", job.problem or "no settings", error_type="ConfigError"))
        else:
            runnable.append(job)

    def on_done(task: Task, reply: Reply) -> None:
        job = by_index[task.index]
        if job.index in done:
            return
        folder = opts.work_dir / _slug(job.path, job.index)
        for rel, data in reply.outputs.items():
            write_atomic(folder / rel, data)
        if isinstance(reply.result, Outcome):
            emit(_from_worker(reply.result, job, reply))
        else:
            emit(judge(job, opts, reply.result))

    def on_lost(task: Task, why: str) -> None:
        job = by_index[task.index]
        emit(Outcome(job.index, job.path, "error", why, error_type="WorkerCrash"))

    if runnable:
        with connect(ray_opts) as ray:
            shipper = Shipper(ray)
            tasks = [Task(j.index, model_key(j.path), _task(j, opts, shipper)) for j in runnable]
            remote_opts = replace(opts, work_dir=Path("."), settings=opts.settings.model_copy(
                update={"models_dir": Path(os.path.abspath(opts.settings.models_dir))}))
            n = worker_count(ray, ray_opts, len(tasks))
            threads = opts.threads or max(1, int(ray_opts.num_cpus_per_task))
            spec = (ray_opts.num_cpus_per_task, ray_opts.num_gpus_per_task, threads)
            dispatcher = Dispatcher(ray, spawner(ray, ray_opts, threads, None), "run_test", n,
                                    shared=ray.put(remote_opts), max_attempts=ray_opts.max_attempts, pool=pool,
                                    spec=spec)
            stats = dispatcher.run(tasks, on_done, on_lost)
            if stats_out is not None:
                stats_out.append(stats)
    return [done[j.index] for j in jobs]
