"""UI workflow (0.4 array links or 1.x object links, with subgraphs) -> API prompt, as ComfyUI frontend 1.27's
`graphToPrompt` builds it (spec workflow-format.md §2).

Steps (§2.1): build the runtime model of every graph (ui_graph), apply PrimitiveNode values (§2.3), flatten
subgraph instances into `"outer:inner"` units in execution order (§2.4), emit widget values then resolved
sockets for every unit that is not virtual, muted or bypassed (§2.5, ui_resolve), prune links to nodes that
were not emitted (§2.7), and order keys as JavaScript does (§2.9).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphrun.compile.prefix import FRONTEND_SAVE_NODE_TYPES, PrefixNode, expand_frontend_prefix
from graphrun.compile.dynprompt import process_dynamic_prompt
from graphrun.compile.ui_checks import check_document, check_node_types
from graphrun.compile.ui_graph import (
    MODE_BYPASS, MODE_NEVER, Graph, RNode, build_graph, collect_definitions, execution_order, js_key_order,
)
from graphrun.compile.ui_resolve import LinkRef, Resolver, Scope
from graphrun.compile.widgets import UNDEFINED, NodeLayout, js_value
from graphrun.errors import Issue, WorkflowError
from graphrun.links import is_link
from graphrun.nodedefs import NodeDefs

__all__ = ["CompileResult", "compile_ui", "compile_workflow"]


@dataclass(frozen=True)
class CompileResult:
    """The API prompt plus the frontend's non-fatal console warnings (dangling links, bypass mismatches)."""

    prompt: dict[str, Any]
    warnings: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class _Unit:
    scope: Scope
    node: RNode


def compile_workflow(ui: dict, defs: NodeDefs, *, rng_seed: int | None = None,
                     now: datetime | None = None) -> dict:
    """Compile a raw UI workflow dict into the API prompt dict the frontend would POST to `/prompt`.

    `rng_seed` seeds the `{a|b}` dynamic-prompt choices (random per call when None, like the frontend);
    `now` is the clock for `%date:…%` in filename prefixes (local time when None). Seeds are never changed:
    `control_after_generate` acts after queueing, so the prompt carries the saved value (§2.12).
    """
    return compile_ui(ui, defs, rng_seed=rng_seed, now=now).prompt


def compile_ui(ui: dict, defs: NodeDefs, *, rng_seed: int | None = None,
               now: datetime | None = None) -> CompileResult:
    """`compile_workflow` that also returns the warnings."""
    # 1. Parse and check everything that makes the prompt unusable; raise once with all issues.
    check_document(ui)
    definitions = collect_definitions(ui)
    layouts: dict[str, NodeLayout] = {}
    graphs: dict[str, Graph] = {"root": build_graph("root", ui, defs, definitions, layouts)}
    for did, sub in definitions.items():
        graphs[did] = build_graph(did, sub, defs, definitions, layouts)
    warnings: list[Issue] = []
    check_node_types(ui, graphs, definitions, warnings)

    # 2. Flatten into units (root execution order, subgraph interiors spliced in).
    units = _flatten(graphs)

    # 3. PrimitiveNode pre-pass, then emit.
    sources = _substitution_sources(graphs)
    for unit in units:
        if unit.node.type == "PrimitiveNode" and unit.node.kind == "virtual":
            _apply_primitive(unit, sources, now)
    resolver = Resolver(graphs)
    rng = random.Random(rng_seed)
    output: dict[str, dict[str, Any]] = {}
    for unit in units:
        node = unit.node
        if node.kind != "class" or node.mode in (MODE_NEVER, MODE_BYPASS):
            continue
        output[unit.scope.exec_id(node)] = {
            "inputs": _emit_inputs(unit, resolver, rng, sources, now),
            "class_type": node.type,
            "_meta": {"title": node.title},
        }

    # 4. Prune links to ids that were not emitted (§2.7) and order keys like JSON.stringify (§2.9).
    for entry in output.values():
        for name in [n for n, v in entry["inputs"].items() if _is_dead_link(v, output)]:
            del entry["inputs"][name]
    prompt = {k: output[k] for k in js_key_order(output)}
    return CompileResult(prompt, tuple(warnings + resolver.warnings))


def _flatten(graphs: dict[str, Graph]) -> list[_Unit]:
    """§2.4: every root node in execution order; instances (any mode, measured on 1.27.10) are followed by
    their definition's nodes in array order, recursively."""
    units: list[_Unit] = []
    root = Scope(graphs["root"])

    def add(node: RNode, scope: Scope, stack: tuple[str, ...]) -> None:
        units.append(_Unit(scope, node))
        if node.kind != "subgraph":
            return
        sid = node.subgraph or ""
        if sid in stack:
            raise WorkflowError("subgraph definition contains itself", [Issue(
                "recursive_subgraph", f"subgraph {graphs[sid].name or sid!r} contains an instance of itself",
                node_id=scope.exec_id(node), class_type=node.type)])
        child = Scope(graphs[sid], scope.chain + (node.key,), scope, node)
        for inner in graphs[sid].nodes.values():
            add(inner, child, stack + (sid,))

    for node in execution_order(graphs["root"]):
        add(node, root, ())
    return units


def _substitution_sources(graphs: dict[str, Graph]) -> list[PrefixNode]:
    """Nodes searched by `%Node.widget%` (root graph first, then subgraph interiors). Only ComfyUI node classes
    get the default "Node name for S&R" (their class); frontend-only nodes are found by title alone."""
    out = []
    for graph in graphs.values():
        for n in graph.nodes.values():
            sr = n.sr_name if isinstance(n.sr_name, str) else None
            title = n.title if isinstance(n.title, str) else ""
            out.append(PrefixNode(n.type if n.kind == "class" else "", title, _LiveWidgets(n), sr))
    return out


def _substitute(text: str, sources: list[PrefixNode], now: datetime | None) -> str:
    return expand_frontend_prefix(text, nodes=sources, now=now or datetime.now())


class _LiveWidgets(dict):
    """Widget name -> current value, read at lookup time (values change during the pre-pass)."""

    def __init__(self, node: RNode):
        super().__init__()
        self._node = node

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._node.widget_index(name) is not None

    def __getitem__(self, name: str) -> Any:
        value = self._node.widget_value(name)
        return None if value is UNDEFINED else js_value(value)


def _apply_primitive(unit: _Unit, sources: list[PrefixNode], now: datetime | None) -> None:
    """FE-prim `applyToGraph` (§2.3): copy the primitive's value into every widget its output feeds
    (regardless of mode; a Reroute in between is not followed)."""
    node, graph = unit.node, unit.scope.graph
    if not node.values or not node.output_links or not node.output_links[0]:
        return
    value = node.values[0]
    props = node.raw.get("properties")
    if isinstance(props, dict) and props.get("Run widget replace on values") and value and isinstance(value, str):
        value = _substitute(value, sources, now)
    for lid in node.output_links[0]:
        link = graph.links.get(lid)
        target = graph.nodes.get(link.target_id) if link else None
        if target is None:
            continue
        slot = next((s for s in target.slots if s.link == lid), None)
        i = target.widget_index(slot.widget) if slot is not None and slot.widget else None
        if i is not None:
            target.values[i] = value


def _emit_inputs(unit: _Unit, resolver: Resolver, rng: random.Random, sources: list[PrefixNode],
                 now: datetime | None) -> dict[str, Any]:
    """§2.5: widget values (with serialize transforms) in widget order, then resolved sockets in slot order."""
    node = unit.node
    inputs: dict[str, Any] = {}
    for widget, value in zip(node.widgets, node.values):
        if not widget.in_prompt or not widget.name:
            continue
        if widget.dynamic_prompts and isinstance(value, str):
            value = process_dynamic_prompt(value, rng)
        elif widget.name == "filename_prefix" and node.type in FRONTEND_SAVE_NODE_TYPES and isinstance(value, str):
            value = _substitute(value, sources, now)
        inputs[widget.name] = _wrap(value)
    for i, slot in enumerate(node.slots):
        resolved = resolver.resolve_input(node, unit.scope, i)
        if resolved is None:
            continue
        if isinstance(resolved, LinkRef):
            inputs[slot.name] = [resolved.node_id, resolved.slot]
        else:
            inputs[slot.name] = _wrap(resolved.value)  # promoted value: no serialize transform
    return {k: v for k, v in inputs.items() if v is not UNDEFINED}


def _wrap(value: Any) -> Any:
    """Array widget values are sent as `{"__value__": [...]}` so the backend does not read them as links."""
    if value is UNDEFINED:
        return value
    value = js_value(value)
    return {"__value__": value} if isinstance(value, list) else value


def _is_dead_link(value: Any, output: dict[str, Any]) -> bool:
    return is_link(value) and str(value[0]) not in output
