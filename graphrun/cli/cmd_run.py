"""`graphrun run WORKFLOW...` (also `graphrun WORKFLOW`): execute workflows and list the files written."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graphrun.cli.threads import add_fast_arguments, add_threads_argument, apply_threads
from graphrun.errors import GraphrunError, UsageError
from graphrun.settings import Settings


def add_folder_arguments(p: argparse.ArgumentParser) -> None:
    """Where models and inputs are looked up: shared by run, test and validate so they agree."""
    p.add_argument("--models-dir", type=Path, default=None,
                   help="ComfyUI-style models folder (checkpoints/, vae/); default $GRAPHRUN_MODELS_DIR or ./models")
    p.add_argument("--extra-model-paths", type=Path, action="append", default=[], metavar="YAML",
                   help="ComfyUI extra_model_paths.yaml (repeatable)")
    p.add_argument("--input-dir", type=Path, default=None, help="input folder (default ./input)")
    p.add_argument("--output-dir", type=Path, default=Path("output"),
                   help="output folder (default ./output; ' [output]' image names are read from it)")


def add_settings_arguments(p: argparse.ArgumentParser) -> None:
    """Folder and device flags shared by the commands that run workflows (run, test)."""
    add_folder_arguments(p)
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="compute device (fp32 on CPU; ComfyUI's dtypes on GPU)")
    p.add_argument("--stub-models", nargs="?", const="tiny", choices=["tiny", "full"], default=None,
                   help="use deterministic random-weight stand-ins for MISSING model files (labelled); the family "
                        "(SD1.5, SD2.x, SDXL, Flux) is chosen from the file names and the workflow's nodes")
    p.add_argument("--stub-family", default=None, metavar="NAME", type=_stand_in_name,
                   help=f"with --stub-models: build this family's stand-ins ({', '.join(STAND_IN_NAMES)})")
    p.add_argument("--no-metadata", action="store_true", help="do not embed prompt/workflow in PNGs")
    p.add_argument("--memory-budget", type=float, default=None, metavar="GB",
                   help="refuse work estimated to need more memory (default $GRAPHRUN_MEMORY_BUDGET_GB, else 80%% "
                        "of physical memory)")
    p.add_argument("--cache-mb", type=float, default=None, metavar="MB",
                   help="memory bound of the in-process execution cache (LRU; default a quarter of RAM)")
    p.add_argument("--no-cache", action="store_true",
                   help="run every node every time (no reuse of unchanged nodes' outputs across workflows/cells)")


# the stand-in names of graphrun.families (listed here so that building the parser imports no model code;
# tests/families/test_stand_ins.py checks the list against the registry)
STAND_IN_NAMES = ("sd15", "sd2", "sd2_v", "sdxl", "sdxl_refiner", "flux", "flux_schnell")


def _stand_in_name(text: str) -> str:
    from graphrun.families import stand_ins

    if text not in stand_ins():
        raise argparse.ArgumentTypeError(f"unknown stand-in family {text!r}; choose from {', '.join(sorted(stand_ins()))}")
    return text


def store_from_args(args: argparse.Namespace):
    """The process-wide ModelStore with the execution cache the flags ask for."""
    from graphrun.runtime.context import ModelStore

    return ModelStore.cached(args.cache_mb, not args.no_cache)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the folder flags (every command) and the run flags (run, test; defaults elsewhere)."""
    stub = getattr(args, "stub_models", None)
    kwargs = dict(input_dir=args.input_dir or Path("input"), output_dir=args.output_dir,
                  device=getattr(args, "device", "auto"), extra_model_paths=tuple(args.extra_model_paths),
                  stub_models=stub is not None, stub_size=stub or "tiny", stub_family=getattr(args, "stub_family", None),
                  save_metadata=not getattr(args, "no_metadata", False), progress=not getattr(args, "json", False),
                  dtype=getattr(args, "dtype", None), fast=tuple(getattr(args, "fast", None) or ()))
    if args.models_dir is not None:
        kwargs["models_dir"] = args.models_dir
    if getattr(args, "memory_budget", None) is not None:
        kwargs["memory_budget_gb"] = args.memory_budget
    return Settings(**kwargs)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflows", nargs="+", type=Path,
                   help="UI or API workflow JSON, a PNG with a workflow, or a folder (every workflow in it, as `test`)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="override an input (NODE = id or title); repeatable")
    add_settings_arguments(p)
    add_threads_argument(p)
    add_fast_arguments(p)
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


def expand_folders(paths: list[Path]) -> list[Path]:
    """Folders become the workflows in them, found as `graphrun test` finds them; files stay as given."""
    from graphrun.regress.discover import discover

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = discover([path])
            if not found:
                raise UsageError(f"{path} is a folder with no workflow (.json, or .png with a workflow) in it")
            out.extend(found)
        else:
            out.append(path)
    return out


def handle(args: argparse.Namespace) -> int:
    from graphrun.runtime.overrides import Override
    from graphrun.runtime.run import run_workflow

    settings = settings_from_args(args)
    overrides = [Override.parse(t) for t in args.overrides]
    apply_threads(args.threads)  # before any model work; a bad count is a usage error (exit 2)
    from graphrun.backend.allocator import keep_freed_memory

    keep_freed_memory()  # large activations reused, not re-faulted (backend/allocator.py)
    store = store_from_args(args)  # shared across the files: each checkpoint loads once, unchanged nodes run once
    quiet = args.quiet or args.json
    # Notes such as the stand-in warning print once, as they happen; -q and --json silence them (the JSON
    # summary lists stand-ins under "stub_models", and saved PNGs record them).
    log = (lambda msg: print(msg, file=sys.stderr)) if not quiet else (lambda msg: None)
    summary, status = [], 0
    for path in expand_folders(args.workflows):
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
            text = exc.render()
            print(f"graphrun: error: {text if text.startswith(str(path)) else f'{path}: {text}'}", file=sys.stderr)
            summary.append({"workflow": str(path), "ok": False, "error": exc.message,
                            "issues": [i.render() for i in exc.issues]})
            continue
        seconds = time.perf_counter() - start
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
