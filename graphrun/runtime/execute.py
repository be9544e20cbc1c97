"""Execute a resolved plan (compile/plan.py) in order: gather inputs, call node.run (or take its outputs from the
execution cache), keep outputs per (node, slot). Links are resolved once, by build_plan; nothing here re-reads
the raw prompt's inputs."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrun.compile.plan import ExecutionPlan, Link, Step
from graphrun.errors import GraphrunError, NodeExecutionError, NodeInputError
from graphrun.nodes.base import NodeRegistry
from graphrun.runtime.cache import ExecutionCache, node_key
from graphrun.runtime.context import RunContext


@dataclass(frozen=True)
class NodeRun:
    """What one node did: its id, type, wall time, and whether its outputs came from the execution cache."""

    node_id: str
    class_type: str
    seconds: float
    cached: bool = False


@dataclass
class RunResult:
    """Outputs of every executed node (by id, as tuples), files written, per-node timings, stand-in notes."""

    outputs: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    nodes: list[NodeRun] = field(default_factory=list)
    stub_notes: list[str] = field(default_factory=list)
    prompt: dict[str, Any] = field(default_factory=dict)


def gather_inputs(step: Step, outputs: Mapping[str, tuple]) -> dict[str, Any]:
    """The plan's resolved inputs with every Link replaced by the source's output value."""
    return {name: outputs[v.node_id][v.slot] if isinstance(v, Link) else v for name, v in step.inputs.items()}


def execute(plan: ExecutionPlan, registry: NodeRegistry, ctx: RunContext, *,
            cache: ExecutionCache | None = None,
            on_node: Callable[[NodeRun], None] | None = None) -> RunResult:
    """Run the plan's steps in order and return their outputs; with `cache`, a node whose key (runtime/cache.py)
    is cached is not run: its outputs and stand-in notes are taken from the cache."""
    import torch

    result = RunResult(prompt=dict(ctx.prompt or {}))
    keys: dict[str, str] = {}
    for step in plan:
        node_id, class_type = step.node_id, step.class_type
        node_type = registry.get(class_type)
        if node_type is None:  # validation normally catches this first
            raise NodeExecutionError(f"graphrun cannot run node type {class_type!r}", node_id=node_id,
                                     class_type=class_type)
        ctx.node_id = node_id
        start = time.perf_counter()
        key = None
        if cache is not None and not node_type.OUTPUT_NODE:
            keys[node_id] = key = _key(step, node_type, keys, ctx)
            entry = cache.get(key)
            if entry is not None:
                for note in entry.notes:
                    if note not in ctx.stub_notes:
                        ctx.stub_notes.append(note)
                _record(result, NodeRun(node_id, class_type, time.perf_counter() - start, True), entry.outputs,
                        on_node)
                continue
        kwargs = gather_inputs(step, result.outputs)
        notes_before = len(ctx.stub_notes)
        out = _run_node(node_type, ctx, kwargs, node_id, class_type, torch)
        if key is not None:
            cache.put(key, out, ctx.stub_notes[notes_before:])
        _record(result, NodeRun(node_id, class_type, time.perf_counter() - start), out, on_node)
    result.written = list(ctx.written)
    result.stub_notes = list(ctx.stub_notes)
    return result


def _record(result: RunResult, record: NodeRun, out: tuple, on_node) -> None:
    result.outputs[record.node_id] = out
    result.nodes.append(record)
    if on_node is not None:
        on_node(record)


def _run_node(node_type, ctx: RunContext, kwargs: dict[str, Any], node_id: str, class_type: str,
              torch) -> tuple[Any, ...]:
    try:
        with torch.inference_mode():
            return tuple(node_type().run(ctx, **kwargs))
    except NodeInputError as exc:
        value = exc.value if exc.value is not None else kwargs.get(exc.input_name or "")
        raise NodeExecutionError(exc.message, node_id=node_id, class_type=class_type,
                                 input_name=exc.input_name, value=_printable(value)) from None
    except NodeExecutionError:
        raise
    except GraphrunError as exc:  # ModelError, UsageError...: keep the type, add where it happened
        exc.message = f"node {node_id} ({class_type}): {exc.message}"
        raise
    except torch.OutOfMemoryError as exc:
        raise NodeExecutionError(f"out of memory: {str(exc).splitlines()[0]}", node_id=node_id,
                                 class_type=class_type, cause=exc) from None
    except Exception as exc:  # an unexpected failure still names the node, never a bare traceback
        raise NodeExecutionError(f"{type(exc).__name__}: {exc}", node_id=node_id, class_type=class_type,
                                 cause=exc) from exc


def _key(step: Step, node_type, keys: Mapping[str, str], ctx: RunContext) -> str:
    consts = {k: v for k, v in step.inputs.items() if not isinstance(v, Link)}
    upstream = {k: (keys[v.node_id], v.slot) for k, v in step.inputs.items() if isinstance(v, Link)}
    s = ctx.settings
    extra: dict[str, Any] = {
        "settings": [str(ctx.device), s.stub_models, s.stub_size, str(s.models_dir),
                     [str(p) for p in s.extra_model_paths], str(s.input_dir)],
        "files": _file_versions(step, node_type, ctx),
    }
    node = (ctx.prompt or {}).get(step.node_id) or {}
    if "is_changed" in node:
        extra["is_changed"] = node["is_changed"]
    return node_key(step.class_type, consts, upstream, extra)


def _file_versions(step: Step, node_type, ctx: RunContext) -> dict[str, Any]:
    """(mtime, size) of each file a `Files` input names, so a replaced file is read again."""
    from graphrun.backend.paths import resolve_input
    from graphrun.errors import ModelError

    out: dict[str, Any] = {}
    for spec in node_type.INPUTS:
        value = step.inputs.get(spec.name)
        if spec.files is None or not isinstance(value, str):
            continue
        s = ctx.settings
        try:
            path = (resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), value)
                    if spec.files.startswith("input") else ctx.folders.find(spec.files, value))
            st = Path(path).stat()
            out[spec.name] = [st.st_mtime_ns, st.st_size]
        except (ModelError, OSError, ValueError, GraphrunError):
            out[spec.name] = None  # missing (a stand-in with --stub-models): the settings say which
    return out


def _printable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
