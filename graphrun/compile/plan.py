"""The execution plan of a validated API prompt: which nodes run, in which order, with which inputs.

Order (deterministic, and the same as ComfyUI v0.3.64 `comfy_execution/graph.py::ExecutionList` on a cold cache):
1. discovery: for each output in prompt order, a stack-based DFS over the node's linked inputs in the order of its
   `inputs` dict; a node joins the pending list the first time it is popped;
2. repeatedly take the pending nodes whose inputs are all done ("ready", in pending-list order) and pick, as
   `ux_friendly_pick_node` does: an output node first; else a node that directly feeds an output; else one two
   links above an output; else the first ready node.
Only declared inputs make edges (ComfyUI also orders by undeclared links; they never reach the node).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import networkx as nx

from graphrun.errors import Issue, WorkflowError
from graphrun.nodedefs import NodeDef
from graphrun.workflow.api import is_link


class Link(NamedTuple):
    """A resolved linked input: output `slot` of node `node_id`."""

    node_id: str
    slot: int


@dataclass(frozen=True)
class Step:
    """One node to run: its id, class_type and declared inputs (constants, or Link for linked inputs)."""

    node_id: str
    class_type: str
    inputs: Mapping[str, Any]
    is_output: bool


@dataclass(frozen=True)
class ExecutionPlan:
    """Nodes the outputs need, in execution order. `graph` has node -> consumer edges with socket types."""

    order: tuple[str, ...]
    steps: Mapping[str, Step]
    graph: nx.DiGraph  # frozen; edge attr `links`: tuple of (output slot, input name, socket type)
    outputs: tuple[str, ...]

    def inputs_of(self, node_id: str) -> Mapping[str, Any]:
        """The node's resolved inputs: constant values, or `Link(src_id, slot)`."""
        return self.steps[node_id].inputs

    def __iter__(self):
        return (self.steps[n] for n in self.order)


def build_plan(prompt: Mapping[str, Any], defs: Mapping[str, NodeDef], outputs: list[str]) -> ExecutionPlan:
    """Plan a (validated) prompt: prune to what `outputs` need, order as ComfyUI does. Raises WorkflowError
    for unknown outputs/class types, dangling links or cycles (validate_prompt reports these in detail)."""
    issues: list[Issue] = []
    wanted = set(outputs)
    outs = [o for o in prompt if o in wanted]
    for o in outputs:
        if o not in prompt:
            issues.append(Issue("invalid_output", f"output {o!r} is not in the prompt", node_id=str(o)))
    steps: dict[str, Step] = {}
    graph = nx.DiGraph()
    deps: dict[str, list[str]] = {}  # node -> linked sources in inputs-dict order (discovery order)
    stack = list(reversed(outs))
    seen: set[str] = set()
    spec_cache: dict[str, list] = {}
    while stack:
        nid = stack.pop()
        if nid in seen:
            continue
        seen.add(nid)
        step, sources = _step(nid, prompt, defs, issues, spec_cache)
        if step is None:
            continue
        steps[nid] = step
        graph.add_node(nid, class_type=step.class_type)
        deps[nid] = sources
        for name, value in step.inputs.items():
            if isinstance(value, Link):
                stype = _socket_type(prompt, defs, value)
                if graph.has_edge(value.node_id, nid):
                    graph[value.node_id][nid]["links"] += ((value.slot, name, stype),)
                else:
                    graph.add_edge(value.node_id, nid, links=((value.slot, name, stype),))
        stack.extend(s for s in sources if s not in seen)
    if issues:
        raise WorkflowError("cannot plan the prompt", issues)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = [u for u, _ in nx.find_cycle(graph)]
        raise WorkflowError("cannot plan the prompt: dependency cycle", [Issue(
            "dependency_cycle", "dependency cycle: " + " -> ".join(cycle + [cycle[0]]), node_id=cycle[0])])
    order = _comfy_order(outs, deps, steps, graph)
    return ExecutionPlan(tuple(order), MappingProxyType(steps), nx.freeze(graph), tuple(outs))


def _step(nid: str, prompt: Mapping[str, Any], defs: Mapping[str, NodeDef], issues: list[Issue],
          spec_cache: dict[str, list]) -> tuple[Step | None, list[str]]:
    node = prompt.get(nid)
    ct = node.get("class_type") if isinstance(node, dict) else None
    definition = defs.get(ct) if isinstance(ct, str) else None
    if definition is None:
        issues.append(Issue("missing_node_type", f"unknown node type {ct!r}", node_id=str(nid)))
        return None, []
    raw = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
    inputs: dict[str, Any] = {}
    if ct not in spec_cache:
        spec_cache[ct] = definition.inputs()
    for spec in spec_cache[ct]:
        if spec.name not in raw:
            continue
        value = raw[spec.name]
        if is_link(value):  # the one link rule (workflow/api.py); resolved here once, for execute and tools
            if (not isinstance(value[0], str) or value[0] not in prompt
                    or type(value[1]) is not int or value[1] < 0):
                issues.append(Issue("bad_linked_input", "link does not resolve", node_id=nid, class_type=ct,
                                    input_name=spec.name, value=value))
                continue
            src = prompt[value[0]]
            sdef = defs.get(src.get("class_type")) if isinstance(src, dict) and isinstance(
                src.get("class_type"), str) else None
            if sdef is not None and value[1] >= len(sdef.output):
                issues.append(Issue("bad_linked_input", f"output index {value[1]} is out of range for node "
                                    f"{value[0]} ({sdef.name})", node_id=nid, class_type=ct,
                                    input_name=spec.name, value=value))
                continue
            inputs[spec.name] = Link(value[0], value[1])
        else:
            inputs[spec.name] = value["__value__"] if isinstance(value, dict) and "__value__" in value else value
    # discovery follows the node's inputs-dict order, as ComfyUI's TopologicalSort.add_node does
    position = {name: i for i, name in enumerate(raw)}
    sources = [v.node_id for k, v in sorted(inputs.items(), key=lambda kv: position[kv[0]])
               if isinstance(v, Link)]
    return Step(nid, ct, MappingProxyType(inputs), definition.output_node is True), sources


def _socket_type(prompt: Mapping[str, Any], defs: Mapping[str, NodeDef], link: Link) -> str | None:
    src = prompt.get(link.node_id)
    ct = src.get("class_type") if isinstance(src, dict) else None
    sdef = defs.get(ct) if isinstance(ct, str) else None
    return sdef.output_types[link.slot] if sdef is not None and link.slot < len(sdef.output) else None


def _comfy_order(outs: list[str], deps: dict[str, list[str]], steps: Mapping[str, Step],
                 graph: nx.DiGraph) -> list[str]:
    pending: dict[str, int] = {}  # node -> discovery index
    for out in outs:  # ExecutionList.add_node per output: LIFO stack over linked inputs
        stack = [out]
        while stack:
            nid = stack.pop()
            if nid in pending:
                continue
            pending[nid] = len(pending)
            stack.extend(deps.get(nid, []))
    # ux_friendly_pick_node ranks (static: a pending node's consumers are pending too)
    is_out = {n: steps[n].is_output for n in pending}
    feeds = {n: any(is_out[b] for b in graph.successors(n)) for n in pending}
    feeds2 = {n: any(feeds[b] for b in graph.successors(n)) for n in pending}
    blocks = {n: graph.in_degree(n) for n in pending}
    ready = {n for n in pending if blocks[n] == 0}
    order: list[str] = []
    while ready:
        pick = _ux_pick(sorted(ready, key=pending.__getitem__), is_out, feeds, feeds2)
        order.append(pick)
        ready.discard(pick)
        for consumer in graph.successors(pick):
            blocks[consumer] -= 1
            if blocks[consumer] == 0:
                ready.add(consumer)
    return order


def _ux_pick(ready: list[str], is_out: dict[str, bool], feeds: dict[str, bool], feeds2: dict[str, bool]) -> str:
    """comfy_execution/graph.py `ux_friendly_pick_node`: an output node first, else one that feeds an output
    directly, else one two links above an output, else the first ready node (async nodes do not exist here)."""
    for rank in (is_out, feeds, feeds2):
        for n in ready:
            if rank[n]:
                return n
    return ready[0]
