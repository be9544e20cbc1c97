"""Write `--set` overrides into a UI workflow, so the `workflow` chunk of a saved PNG (the graph ComfyUI loads
on drop) is the graph that made the image, not the one before the override.

Where a prompt input's value lives in the UI graph depends on the frontend's rules: the node's own widget, a
PrimitiveNode that feeds it, a subgraph instance's promoted widget, or an interior widget of a subgraph
definition. Rather than re-implementing those rules, the location is found by asking the compiler: each widget
value slot in the document is set in turn to a unique probe value, and the slot whose probe appears at the
wanted (node, input) of the compiled prompt is the source. The edited workflow is then compiled again and must
differ from the original exactly at the overridden inputs; if the source also feeds other inputs (a primitive
wired to two samplers, a definition used by two instances), the override is refused with the other inputs
named, so the two chunks of a PNG can never disagree.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from graphrun.errors import Issue, UsageError
from graphrun.runtime.overrides import Override, find_node

_PROBE = "graphrun-probe-6b1f0c"
_NOW = datetime(2000, 1, 1)


def _compile(ui: dict, defs) -> dict[str, Any]:
    from graphrun.compile.ui_to_api import compile_workflow

    return compile_workflow(ui, defs, rng_seed=0, now=_NOW)


def _slots(ui: dict) -> Iterator[tuple[list | dict, Any, dict]]:
    """(container, key, node) for every widget value in the root graph and in every subgraph definition."""
    graphs = [ui] + list(((ui.get("definitions") or {}).get("subgraphs") or []))
    for graph in graphs:
        for node in graph.get("nodes") or []:
            values = node.get("widgets_values") if isinstance(node, dict) else None
            if isinstance(values, list):
                for i in range(len(values)):
                    yield values, i, node
            elif isinstance(values, dict):
                for k in list(values):
                    yield values, k, node


def _ranked(ui: dict, exec_id: str) -> list[tuple[list | dict, Any, dict]]:
    """Slots, most likely first: the node itself (last id of the chain), primitives, subgraph instances."""
    parts = exec_id.split(":")

    def rank(item) -> int:
        node = item[2]
        nid = str(node.get("id"))
        if nid == parts[-1]:
            return 0
        if node.get("type") == "PrimitiveNode" or node.get("type", "").startswith("Primitive"):
            return 1
        if nid in parts[:-1]:
            return 2
        return 3

    return sorted(_slots(ui), key=rank)


def _locate(ui: dict, exec_id: str, name: str, defs) -> tuple[list | dict, Any] | None:
    for container, key, _ in _ranked(ui, exec_id):
        old = container[key]
        container[key] = _PROBE
        try:
            prompt = _compile(ui, defs)
        except Exception:  # a probe value the compiler cannot take: not this slot
            prompt = {}
        finally:
            container[key] = old
        if (prompt.get(exec_id) or {}).get("inputs", {}).get(name) == _PROBE:
            return container, key
    return None


def write_overrides(ui: Mapping[str, Any], prompt: Mapping[str, Any], overrides: Sequence[Override],
                    defs) -> dict[str, Any]:
    """A copy of the UI workflow with every override written where the compiler reads it from.

    `prompt` is the compiled prompt before the overrides (for resolving node references). Raises UsageError when
    an override cannot be expressed in the UI graph without changing other inputs."""
    out = copy.deepcopy(dict(ui))
    if not overrides:
        return out
    targets = {}
    for ov in overrides:
        targets[(find_node(prompt, ov.node), ov.input)] = ov.value
    before = _compile(out, defs)
    for (exec_id, name), value in targets.items():
        where = _locate(out, exec_id, name, defs)
        if where is None:
            raise UsageError(f"--set: input {name!r} of node {exec_id} has no widget in the UI workflow to hold "
                             f"the value, so the saved workflow could not show it", [Issue(
                                 "override_not_in_workflow", "no widget holds this input", node_id=exec_id,
                                 input_name=name, value=value)])
        container, key = where
        container[key] = value
    after = _compile(out, defs)
    for (exec_id, name), value in targets.items():
        got = (after.get(exec_id) or {}).get("inputs", {}).get(name)
        if got != value and got != {"__value__": value}:
            raise UsageError(f"--set: node {exec_id} input {name!r} is given two different values through one "
                             f"shared UI widget (got {got!r} for {value!r})", [Issue(
                                 "override_conflict", "one widget cannot hold both values", node_id=exec_id,
                                 input_name=name, value=value)])
    extra = [(nid, k) for nid, node in after.items() for k, v in (node.get("inputs") or {}).items()
             if (nid, k) not in targets and (before.get(nid) or {}).get("inputs", {}).get(k) != v]
    if extra:
        shown = ", ".join(f"{n}.{k}" for n, k in extra)
        first = next(iter(targets))
        raise UsageError(f"--set: the UI widget that holds {first[0]}.{first[1]} also feeds {shown}; set those too "
                         f"(--set {extra[0][0]}.{extra[0][1]}=...) so the saved workflow matches the run",
                         [Issue("override_shared_widget", f"also feeds {shown}", node_id=first[0],
                                input_name=first[1])])
    return out


def override_document(data: Mapping[str, Any], kind: str, overrides: Sequence[Override], defs) -> dict[str, Any]:
    """`--set` on a loaded document (what explain and convert work on): API prompts get the values directly, UI
    workflows get them in the widgets the compiler reads (checked as in `write_overrides`)."""
    from graphrun.runtime.overrides import apply_overrides

    if not overrides:
        return dict(data)
    if kind == "api":
        return apply_overrides(data, overrides)
    prompt = _compile(dict(data), defs)
    apply_overrides(prompt, overrides)  # unknown node / input, linked input: the same errors as `run`
    return write_overrides(data, prompt, overrides, defs)
