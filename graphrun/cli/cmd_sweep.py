"""`graphrun sweep WORKFLOW --axis NODE.INPUT=VALUES [--axis ...]`: run a grid of settings, reusing everything
that does not change between cells, and write the single images, contact sheets, an HTML page and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graphrun.cli.cmd_run import add_settings_arguments, settings_from_args
from graphrun.cli.ray_args import add_ray_arguments, ray_options


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflow", type=Path, help="UI or API workflow JSON, or a PNG with a workflow")
    p.add_argument("--axis", dest="axes", action="append", default=[], metavar="NODE.INPUT=VALUES",
                   help="an axis (NODE = id or title); VALUES: 0,1,9,20 | 1.0:0.0:-0.25 | files. 1st = X (columns), "
                        "2nd = Y (rows), 3rd = Z (one sheet per value)")
    p.add_argument("--paired", action="store_true", help="vary all axes together (same number of values) as one axis")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="a fixed override for every cell; repeatable")
    p.add_argument("-o", "--out", type=Path, default=None, metavar="DIR",
                   help="sweep folder (default OUTPUT_DIR/sweeps/<workflow name>)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="local worker processes, each with its own cache (default 1)")
    p.add_argument("--threads", type=int, default=0, metavar="T",
                   help="torch CPU threads per process (default: torch's own; CPU/N with -j N). CPU results can "
                        "differ in the last bit with the thread count: pin it to compare -j runs bit for bit")
    p.add_argument("--resume", action="store_true", help="skip cells already finished in the sweep folder")
    add_ray_arguments(p)
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print the JSON summary (every cell's files and timings)")
    p.add_argument("-q", "--quiet", action="store_true", help="only the per-cell summary lines")


class _Display:
    """Progress across cells and sampler steps (one live line on a terminal) and one summary line per cell."""

    def __init__(self, total: int, labels: dict[int, str], *, quiet: bool, json_out: bool):
        self.total, self.labels, self.done = total, labels, 0
        self.live = sys.stderr.isatty() and not quiet and not json_out
        self.json_out = json_out

    def __call__(self, event) -> None:
        from graphrun.sweep.cells import CellResult

        if isinstance(event, CellResult):
            self.done += 1
            if self.live:
                print("\r\033[K", end="", file=sys.stderr)
            if event.ok:
                how = "resumed" if event.resumed else f"{event.seconds:.2f} s, {event.cached_nodes}/{len(event.nodes)} nodes cached"
                line = f"cell {self.done}/{self.total} {self.labels[event.index]}: ok ({how}) -> " + \
                       ", ".join(event.files)
            else:
                line = f"cell {self.done}/{self.total} {self.labels[event.index]}: FAILED: {event.error}"
            print(line, file=sys.stderr, flush=True)
        elif self.live and event.total > 0:
            bar = int(20 * event.step / event.total)
            print(f"\r\033[K[{self.done}/{self.total} done] {self.labels[event.cell]} node {event.node_id} "
                  f"[{'#' * bar}{'.' * (20 - bar)}] {event.step}/{event.total}", end="", file=sys.stderr, flush=True)


def handle(args: argparse.Namespace) -> int:
    from graphrun.errors import UsageError
    from graphrun.runtime.overrides import Override
    from graphrun.sweep.axes import AxisSpec
    from graphrun.sweep.plan import plan_sweep
    from graphrun.sweep.report import summary, write_page, write_summary
    from graphrun.sweep.runner import run_sweep
    from graphrun.sweep.sheet import write_sheets

    if args.jobs < 1 or args.threads < 0:
        raise UsageError(f"-j must be 1 or more and --threads 0 or more, got -j {args.jobs} --threads {args.threads}")
    settings = settings_from_args(args).model_copy(update={"progress": False})
    from graphrun.backend.allocator import keep_freed_memory

    keep_freed_memory()  # in-process cells; -j workers apply it themselves
    ray = ray_options(args)
    start = time.perf_counter()
    plan = plan_sweep(args.workflow, [AxisSpec.parse(a) for a in args.axes], settings, out_dir=args.out,
                      paired=args.paired, fixed=[Override.parse(t) for t in args.overrides])
    labels = {c.index: ", ".join(c.labels) for c in plan.cells}
    if not args.json:
        shape = "x".join(str(n) for n in plan.shape if n > 1) or "1"
        print(f"sweep {args.workflow}: {len(plan.cells)} cells ({shape}{', paired' if plan.paired else ''}) "
              f"-> {plan.out_dir}", file=sys.stderr)
    display = _Display(len(plan.cells), labels, quiet=args.quiet, json_out=args.json)
    results = run_sweep(plan, jobs=args.jobs, resume=args.resume, cache_mb=args.cache_mb, cache=not args.no_cache,
                        on_event=display, threads=args.threads, ray=ray)
    seconds = time.perf_counter() - start
    meta = {"workflow": str(args.workflow), "axes": [[a.node_id, a.input, list(a.values)] for a in plan.axes],
            "paired": plan.paired, "cells": [[c.stem, list(c.labels)] for c in plan.cells]}
    sheets = write_sheets(plan, results, metadata=meta)
    page = write_page(plan, results, sheets)
    data = summary(plan, results, sheets, seconds)
    write_summary(plan, data)
    failed = sum(1 for r in results if not r.ok)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        for s in sheets:
            print(s)
        print(page)
        print(f"{len(results) - failed}/{len(results)} cells ok in {seconds:.1f} s", file=sys.stderr)
    return 1 if failed else 0


COMMANDS = (("sweep", "Run a workflow over a grid of input values; contact sheets, single images, HTML page.",
             add_arguments, handle),)
