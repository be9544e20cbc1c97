"""`graphrun test DIR_OR_FILES...`: rerun workflows and compare every output with its golden record.

Exit codes: 0 every workflow passed (or was recorded with --update); 1 a regression, a missing golden or a
broken workflow; 2 usage error (nothing to test, unreadable graphrun-test.toml given on the command line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from graphrun.cli.cmd_run import add_settings_arguments, settings_from_args
from graphrun.cli.ray_args import add_ray_arguments, ray_options


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, metavar="DIR_OR_FILE",
                   help="workflow folders (searched recursively: .json, .png with a workflow) or files")
    p.add_argument("--update", action="store_true",
                   help="record goldens that are missing and re-record those that fail (NAME.golden/ beside each)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="run workflows in N processes (each loads a checkpoint once); default 1")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch CPU threads per worker (default 1; 0 = torch's default). CPU results depend on it, "
                        "so goldens compare bit for bit only at the thread count they were recorded with")
    p.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write JUnit XML for CI")
    p.add_argument("--report", type=Path, default=None, metavar="DIR",
                   help="write DIR/report.html (self-contained) with expected | actual | difference images")
    add_ray_arguments(p)
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")


def _line(out) -> str:
    text = f"{out.status.upper():8} {out.path} ({out.seconds:.1f}s)"
    if out.status == "pass" and out.comparison is not None:
        text += f" {out.comparison.verdict()}"
    if out.message:
        text += f"\n         {out.message}"
    if out.status == "error" and out.details:
        text += "\n" + "\n".join("         " + d for d in out.details[:5])
    if out.comparison is not None and out.comparison.context and out.failing:
        text += "\n         changed since the golden: " + "; ".join(out.comparison.context)
    return text


def _as_json(out) -> dict:
    cmp = out.comparison
    item = {"workflow": str(out.path), "status": out.status, "message": out.message,
            "seconds": round(out.seconds, 3), "golden": str(out.golden) if out.golden else None}
    if out.status == "error":
        item.update(error_type=out.error_type, details=out.details)
    if cmp is not None:
        item["tolerance"] = cmp.tolerance.describe()
        item["identical"] = cmp.identical
        item["verdict"] = cmp.verdict()
        item["first_divergence"] = None if cmp.first is None else {
            "node": cmp.first.node_id, "class_type": cmp.first.class_type, "title": cmp.first.title,
            "description": cmp.first.describe()}
        item["nodes"] = [{"node": d.node_id, "class_type": d.class_type, "status": d.status,
                          "outputs": [o.describe() for o in d.outputs if o.changed]} for d in cmp.nodes]
        item["context_changes"] = list(cmp.context)
    return item


def handle(args: argparse.Namespace) -> int:
    from graphrun.errors import UsageError
    from graphrun.regress.suite import run_suite

    if args.jobs < 1:
        raise UsageError(f"-j/--jobs must be at least 1, got {args.jobs}")
    if args.threads < 0:
        raise UsageError(f"--threads must be 0 (torch's default) or more, got {args.threads}")
    settings = settings_from_args(args)
    from graphrun.backend.allocator import keep_freed_memory

    keep_freed_memory()  # in-process runs; -j workers apply it themselves

    def show(out) -> None:
        if not args.json and (not args.quiet or out.failing):
            print(_line(out), file=sys.stderr if args.json else sys.stdout, flush=True)

    outcomes = run_suite(args.paths, settings, update=args.update, workers=args.jobs, threads=args.threads,
                         cache_mb=args.cache_mb, cache=not args.no_cache, report_dir=args.report,
                         junit=args.junit, on_outcome=show, ray=ray_options(args))
    counts = Counter(o.status for o in outcomes)
    if args.json:
        print(json.dumps({"summary": dict(counts), "workflows": [_as_json(o) for o in outcomes]}, indent=2))
    else:
        print(f"{len(outcomes)} workflows: " + ", ".join(f"{c} {s}" for s, c in sorted(counts.items())))
        if args.report:
            print(f"report: {args.report / 'report.html'}")
        if counts["missing"]:
            print("missing goldens are never created silently: rerun with --update to record them")
    return 1 if any(o.failing for o in outcomes) else 0


COMMANDS = (("test", "Rerun workflow folders and compare every output with its golden record (regressions).",
             add_arguments, handle),)
