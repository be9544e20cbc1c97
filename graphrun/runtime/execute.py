"""Execute a validated API prompt in plan order: gather inputs, call node.run, keep outputs per (node, slot)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrun.errors import GraphrunError, NodeExecutionError, NodeInputError
from graphrun.nodes.base import NodeRegistry
from graphrun.runtime.context import RunContext


@dataclass(frozen=True)
class NodeRun:
    """What one node did: its id, type, wall time, and the outputs it produced."""

    node_id: str
    class_type: str
    seconds: float


@dataclass
class RunResult:
    """Outputs of every executed node (by id, as tuples), files written, per-node timings, stand-in notes."""

    outputs: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    nodes: list[NodeRun] = field(default_factory=list)
    stub_notes: list[str] = field(default_factory=list)
    prompt: dict[str, Any] = field(default_factory=dict)


def is_link(value: Any) -> bool:
    """A 2-item [node_id, slot] list, as in ComfyUI's API format."""
    return isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str) \
        and isinstance(value[1], int) and not isinstance(value[1], bool)


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and "__value__" in value:  # the frontend's wrapped list values
        return value["__value__"]
    return value


def gather_inputs(node_id: str, node: Mapping[str, Any], node_type, outputs: Mapping[str, tuple]) -> dict:
    """Declared inputs only (ComfyUI ignores undeclared ones): constants as given, links resolved."""
    raw = node.get("inputs") or {}
    kwargs = {}
    for spec in node_type.INPUTS:
        if spec.name not in raw:
            continue
        value = raw[spec.name]
        if is_link(value):
            src, slot = value
            kwargs[spec.name] = outputs[src][slot]
        else:
            kwargs[spec.name] = _unwrap(value)
    return kwargs


def execute(prompt: Mapping[str, Any], order: Sequence[str], registry: NodeRegistry, ctx: RunContext,
            on_node: Callable[[NodeRun], None] | None = None) -> RunResult:
    """Run the nodes of `order` (a topological order of a validated prompt) and return their outputs."""
    import torch

    result = RunResult(prompt=dict(prompt))
    for node_id in order:
        node = prompt[node_id]
        class_type = node["class_type"]
        node_type = registry.get(class_type)
        if node_type is None:  # validation normally catches this first
            raise NodeExecutionError(f"graphrun cannot run node type {class_type!r}", node_id=node_id,
                                     class_type=class_type)
        kwargs = gather_inputs(node_id, node, node_type, result.outputs)
        ctx.node_id = node_id
        start = time.perf_counter()
        try:
            with torch.inference_mode():
                out = node_type().run(ctx, **kwargs)
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
        record = NodeRun(node_id, class_type, time.perf_counter() - start)
        result.outputs[node_id] = tuple(out)
        result.nodes.append(record)
        if on_node is not None:
            on_node(record)
    result.written = list(ctx.written)
    result.stub_notes = list(ctx.stub_notes)
    return result


def _printable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
