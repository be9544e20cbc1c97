"""`graphrun run WORKFLOW...` (also `graphrun WORKFLOW`): execute workflows and list the files written."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graphrun.errors import GraphrunError
from graphrun.settings import Settings


def add_settings_arguments(p: argparse.ArgumentParser) -> None:
    """Folder and device flags shared by the commands that run workflows (run, test)."""
    p.add_argument("--models-dir", type=Path, default=None,
                   help="ComfyUI-style models folder (checkpoints/, vae/); default $GRAPHRUN_MODELS_DIR or ./models")
    p.add_argument("--extra-model-paths", type=Path, action="append", default=[], metavar="YAML",
                   help="ComfyUI extra_model_paths.yaml (repeatable)")
    p.add_argument("--input-dir", type=Path, default=Path("input"), help="input folder (default ./input)")
    p.add_argument("--output-dir", type=Path, default=Path("output"), help="output folder (default ./output)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="compute device (fp32 on CPU; ComfyUI's dtypes on GPU)")
    p.add_argument("--stub-models", nargs="?", const="tiny", choices=["tiny", "full"], default=None,
                   help="use deterministic random-weight SD1.5 stand-ins for MISSING checkpoints (labelled)")
    p.add_argument("--no-metadata", action="store_true", help="do not embed prompt/workflow in PNGs")
    p.add_argument("--cache-mb", type=float, default=None, metavar="MB",
                   help="memory bound of the in-process execution cache (LRU; default a quarter of RAM)")
    p.add_argument("--no-cache", action="store_true",
                   help="run every node every time (no reuse of unchanged nodes' outputs across workflows/cells)")


def store_from_args(args: argparse.Namespace):
    """The process-wide ModelStore with the execution cache the flags ask for."""
    from graphrun.runtime.context import ModelStore

    return ModelStore.cached(args.cache_mb, not args.no_cache)


def settings_from_args(args: argparse.Namespace) -> Settings:
    kwargs = dict(input_dir=args.input_dir, output_dir=args.output_dir, device=args.device,
                  extra_model_paths=tuple(args.extra_model_paths), stub_models=args.stub_models is not None,
                  stub_size=args.stub_models or "tiny", save_metadata=not args.no_metadata,
                  progress=not getattr(args, "json", False))
    if args.models_dir is not None:
        kwargs["models_dir"] = args.models_dir
    return Settings(**kwargs)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflows", nargs="+", type=Path, help="UI or API workflow JSON, or a PNG with a workflow")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="override an input (NODE = id or title); repeatable")
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-node lines or progress bars")


class _Progress:
    """A one-line text progress bar per sampler node on stderr."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, node_id: str, step: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        done = int(30 * step / total)
        end = "\n" if step >= total else ""
        print(f"\r  node {node_id}: [{'#' * done}{'.' * (30 - done)}] {step}/{total}", end=end,
              file=sys.stderr, flush=True)


def handle(args: argparse.Namespace) -> int:
    from graphrun.runtime.overrides import Override
    from graphrun.runtime.run import run_workflow

    settings = settings_from_args(args)
    overrides = [Override.parse(t) for t in args.overrides]
    store = store_from_args(args)  # shared across the files: each checkpoint loads once, unchanged nodes run once
    quiet = args.quiet or args.json
    log = (lambda msg: print(msg, file=sys.stderr)) if not args.json else (lambda msg: None)
    summary, status = [], 0
    for path in args.workflows:
        start = time.perf_counter()
        if not quiet:
            print(f"{path}:", file=sys.stderr)

        def on_node(rec, _quiet=quiet):
            if not _quiet:
                how = "cached" if rec.cached else f"{rec.seconds:.2f}s"
                print(f"  node {rec.node_id} {rec.class_type}: {how}", file=sys.stderr)

        try:
            result = run_workflow(path, settings, overrides=overrides, store=store,
                                  progress=_Progress(not quiet), log=log, on_node=on_node)
        except GraphrunError as exc:
            status = max(status, exc.exit_code)
            print(f"graphrun: error: {path}: {exc.render()}", file=sys.stderr)
            summary.append({"workflow": str(path), "ok": False, "error": exc.message,
                            "issues": [i.render() for i in exc.issues]})
            continue
        seconds = time.perf_counter() - start
        for note in result.stub_notes:
            print(f"  NOTE: {note}", file=sys.stderr)
        if not args.json:
            for f in result.written:
                print(f)
        summary.append({"workflow": str(path), "ok": True, "seconds": round(seconds, 3),
                        "written": [str(f) for f in result.written], "stub_models": result.stub_notes,
                        "nodes": [{"id": n.node_id, "class_type": n.class_type, "seconds": round(n.seconds, 4),
                                   "cached": n.cached}
                                  for n in result.nodes]})
    if args.json:
        print(json.dumps({"runs": summary}, indent=2))
    return status


COMMANDS = (("run", "Run workflows (UI, API or PNG) natively and write their outputs.", add_arguments, handle),)
