"""The library entry point behind `graphrun test`: discover, configure, run, and write the reports."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from graphrun.errors import GraphrunError, UsageError
from graphrun.regress.config import load_config
from graphrun.regress.discover import discover
from graphrun.regress.golden import golden_dir
from graphrun.regress.runner import Job, Options, Outcome, run_jobs
from graphrun.settings import Settings

REPORT_NAME = "report.html"


def build_jobs(paths: Sequence[Path]) -> list[Job]:
    """One Job per workflow found; unreadable settings and golden-name clashes become per-workflow errors."""
    files = discover(paths)
    if not files:
        raise UsageError(f"graphrun test: no workflows (.json, or .png with a workflow) under "
                         f"{', '.join(str(p) for p in paths)}")
    jobs, owners = [], {}
    for i, path in enumerate(files):
        target = golden_dir(path).resolve()
        if target in owners:
            jobs.append(Job(i, path, problem=f"golden folder {golden_dir(path)} is also used by {owners[target]}; "
                                             f"rename one of the two workflows"))
            continue
        owners[target] = path
        try:
            jobs.append(Job(i, path, load_config(path)))
        except GraphrunError as exc:
            jobs.append(Job(i, path, problem=exc.message))
    return jobs


def run_suite(paths: Sequence[Path], settings: Settings, *, update: bool = False, workers: int = 1, threads: int = 1,
              report_dir: Path | None = None, junit: Path | None = None,
              on_outcome: Callable[[Outcome], None] | None = None, store=None, cache_mb: float | None = None,
              cache: bool = True, ray=None) -> list[Outcome]:
    """Test every workflow under `paths`; writes DIR/report.html (+ full-size images) and JUnit XML if asked.

    `ray` (graphrun.distributed.cluster.RayOptions) runs the workflows on a Ray cluster instead of `workers`
    local processes; Ray is imported only then."""
    from graphrun.regress.capture import environment

    jobs = build_jobs(paths)
    tmp = None
    if report_dir is not None:
        work = report_dir / "runs"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    else:
        tmp = tempfile.mkdtemp(prefix="graphrun-test-")
        work = Path(tmp)
    try:
        opts = Options(settings=settings, update=update, work_dir=work.resolve(), artifacts=report_dir is not None,
                       threads=threads, cache_mb=cache_mb, cache=cache)
        if ray is not None:
            from graphrun.distributed.regress import run_jobs_ray

            outcomes = run_jobs_ray(jobs, opts, ray, on_outcome=on_outcome)
        else:
            outcomes = run_jobs(jobs, opts, workers=workers, on_outcome=on_outcome, store=store)
        if report_dir is not None:
            from graphrun.regress.report_html import write_html

            env = environment(settings.device)
            label = f"graphrun {env['graphrun']} · torch {env['torch']} · device {settings.device}"
            write_html(outcomes, report_dir / REPORT_NAME, environment=label)
        if junit is not None:
            from graphrun.regress.junit import write_junit

            write_junit(outcomes, junit, root=Path.cwd())
        return outcomes
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
