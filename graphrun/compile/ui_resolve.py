"""Resolving an input slot to what the backend sees (FE ExecutableNodeDTO `resolveInput`/`resolveOutput`).

Spec §2.6: links are followed through legacy Reroute nodes, bypassed (mode 4) nodes by the frontend's
slot-matching rules and subgraph boundaries (inner node ids become `"outer:inner"`); an unconnected promoted
subgraph input yields the instance's widget value.

Muted (mode 2) origins follow frontend 1.27.10, whose ExecutableNodeDTO.resolveOutput has no mode-2 check
(it arrived with ComfyUI_frontend PR #9787, 2026, in the 1.4x line): a muted node yields a link that the prune
step then deletes (so a *widget* socket fed by a muted node loses its key, spec §2.10 "older DTO builds"), a
muted Reroute passes through, and a muted subgraph instance resolves into its (still emitted) interior.
Set `MUTED_OUTPUT_IS_NOTHING = True` for the newer behaviour (spec §2.6 resolveOutput step 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphrun.compile.ui_graph import (
    MODE_BYPASS, MODE_NEVER, SUBGRAPH_INPUT_ID, SUBGRAPH_OUTPUT_ID, Graph, Link, RNode, id_key,
)
from graphrun.compile.widgets import UNDEFINED
from graphrun.errors import Issue, WorkflowError

MUTED_OUTPUT_IS_NOTHING = False  # frontend 1.27.10: no mode-2 check in resolveOutput (see module docstring)


@dataclass(frozen=True)
class Scope:
    """A graph plus the chain of subgraph instances leading to it (root: empty chain)."""

    graph: Graph
    chain: tuple[str, ...] = ()
    parent: Scope | None = None
    instance: RNode | None = None

    def exec_id(self, node: RNode) -> str:
        return ":".join(self.chain + (node.key,))


@dataclass(frozen=True)
class LinkRef:
    node_id: str
    slot: int


@dataclass(frozen=True)
class Promoted:
    value: Any


def compatible(a: Any, b: Any) -> bool:
    """LGraph.isValidConnection: `""`, `"*"` and 0 are wildcards; comma lists match on any common member."""
    a = 0 if a in ("", "*") else a
    b = 0 if b in ("", "*") else b
    if not a or not b or a == b:
        return True
    a, b = str(a).lower(), str(b).lower()
    if "," not in a and "," not in b:
        return a == b
    return any(compatible(x, y) for x in a.split(",") for y in b.split(","))


class Resolver:
    """Resolves slots for one compilation; `warnings` collects the frontend's console warnings."""

    def __init__(self, graphs: dict[str, Graph]):
        self.graphs = graphs
        self.warnings: list[Issue] = []

    # --- entry point -------------------------------------------------------------------------------------
    def resolve_input(self, node: RNode, scope: Scope, index: int, req_type: Any = None,
                      visited: set | None = None) -> LinkRef | Promoted | None:
        visited = set() if visited is None else visited
        if index is None or not 0 <= index < len(node.slots):
            return None
        slot = node.slots[index]
        if slot.link is None:
            return None
        link = scope.graph.links.get(slot.link)
        if link is None:
            self._warn("dangling_link", f"link {slot.link} does not exist; input treated as unconnected",
                       scope, node, slot.name)
            return None
        if scope.parent is not None and link.origin_id == SUBGRAPH_INPUT_ID:
            return self._from_subgraph_input(scope, link.origin_slot, visited)
        origin = scope.graph.nodes.get(link.origin_id)
        if origin is None:
            self._warn("missing_link_origin", f"link {link.id} comes from node {link.origin_id}, which does not "
                       "exist; input treated as unconnected", scope, node, slot.name)
            return None
        return self.resolve_output(origin, scope, link.origin_slot, req_type if req_type is not None else slot.type,
                                   visited)

    def resolve_output(self, node: RNode, scope: Scope, out: int | None, req_type: Any,
                       visited: set) -> LinkRef | Promoted | None:
        key = (scope.graph.gid, scope.chain, node.key, "O", out)
        if key in visited:
            raise WorkflowError("circular reference while resolving links", [Issue(
                "circular_reference", f"link resolution loops back to output {out} of node {scope.exec_id(node)}",
                node_id=scope.exec_id(node), class_type=node.type)])
        visited.add(key)
        if out is None:
            return None
        if node.mode == MODE_BYPASS:
            j = self._bypass_slot(node, out, req_type)
            if j is None:
                self._warn("bypass_no_match", f"bypassed node has no input matching type {req_type!r}", scope, node)
                return None
            return self.resolve_input(node, scope, j, None, visited)
        if MUTED_OUTPUT_IS_NOTHING and node.mode == MODE_NEVER:
            return None
        if node.kind == "subgraph":
            return self._from_subgraph_output(node, scope, out, req_type, visited)
        if node.kind == "virtual":
            if out < len(node.slots) and node.slots[out].link is not None:
                return self.resolve_input(node, scope, out, req_type, visited)
            return None
        return LinkRef(scope.exec_id(node), out)

    # --- bypass (FE-dto _getBypassSlotIndex) -------------------------------------------------------------
    @staticmethod
    def _bypass_slot(node: RNode, out: int, req_type: Any) -> int | None:
        slots = node.slots
        if req_type in ("*", "", None):
            return out if len(slots) > out else 0
        out_type = node.output_types[out] if out < len(node.output_types) else None
        if out < len(slots) and compatible(slots[out].type, out_type) and compatible(slots[out].type, req_type):
            return out
        for j, s in enumerate(slots):
            if s.type == req_type:
                return j
        for j, s in enumerate(slots):
            if compatible(s.type, out_type) and compatible(s.type, req_type):
                return j
        return None

    # --- subgraph boundaries (FE-dto _resolveSubgraphOutput / subgraph input side) -----------------------
    def _from_subgraph_output(self, inst: RNode, scope: Scope, out: int, req_type: Any,
                              visited: set) -> LinkRef | Promoted | None:
        graph = self.graphs.get(inst.subgraph or "")
        if graph is None or out >= len(graph.outputs):
            return None
        inner = self._output_link(graph, out)
        if inner is None:
            return None
        child = Scope(graph, scope.chain + (inst.key,), scope, inst)
        if inner.origin_id == SUBGRAPH_INPUT_ID:
            return self._from_subgraph_input(child, inner.origin_slot, visited)
        origin = graph.nodes.get(inner.origin_id)
        if origin is None:
            return None
        return self.resolve_output(origin, child, inner.origin_slot, req_type, visited)

    @staticmethod
    def _output_link(graph: Graph, out: int) -> Link | None:
        for lid in graph.outputs[out].get("linkIds") or []:
            link = graph.links.get(id_key(lid))
            if link is not None:
                return link
        for link in graph.links.values():
            if link.target_id == SUBGRAPH_OUTPUT_ID and link.target_slot == out:
                return link
        return None

    def _from_subgraph_input(self, scope: Scope, k: int | None, visited: set) -> LinkRef | Promoted | None:
        inst, parent = scope.instance, scope.parent
        if inst is None or parent is None or k is None or not 0 <= k < len(inst.slots):
            return None
        if inst.slots[k].link is not None:
            return self.resolve_input(inst, parent, k, None, visited)  # T is not carried across the boundary
        value = self.promoted_value(inst, k)
        return None if value is _NOT_PROMOTED else Promoted(value)

    # --- promoted widgets (§2.6.6) -----------------------------------------------------------------------
    def promoted_index(self, graph: Graph, k: int) -> tuple[int, RNode, str] | None:
        """(p, inner node, widget name) when definition input k is promoted, else None."""
        p = 0
        found = None
        for idx, io in enumerate(graph.inputs):
            target = self._widget_target(graph, io)
            if idx == k:
                found = target
                break
            if target is not None:
                p += 1
        return None if found is None else (p, found[0], found[1])

    @staticmethod
    def _widget_target(graph: Graph, io: dict[str, Any]) -> tuple[RNode, str] | None:
        """The first inner widget a definition input's links end at: the inner input holding the link (matched
        by name, as for every link) is a widget input, or its saved entry carries `widget: {name}` although
        the definition lacks it (a template newer than /object_info). Frontend 1.27.10 instead indexes the
        inner node's runtime inputs with the link's saved `target_slot`, which points into the *saved*
        (compressed) input list; where the two lists differ it promotes the wrong inner widget
        (tests/compile/test_frontend_templates.py names the templates)."""
        for lid in io.get("linkIds") or []:
            link = graph.links.get(id_key(lid))
            target = graph.nodes.get(link.target_id) if link else None
            if target is None:
                continue
            for slot in target.slots:
                if slot.link == link.id and slot.widget:
                    return target, slot.widget
            for saved in target.raw.get("inputs") or []:
                widget = saved.get("widget") if isinstance(saved, dict) else None
                if isinstance(widget, dict) and isinstance(widget.get("name"), str) \
                        and saved.get("link") is not None and id_key(saved["link"]) == link.id:
                    return target, widget["name"]
        return None

    def promoted_value(self, inst: RNode, k: int) -> Any:
        graph = self.graphs.get(inst.subgraph or "")
        info = self.promoted_index(graph, k) if graph is not None else None
        if info is None:
            return _NOT_PROMOTED
        p, inner, widget = info
        values = inst.raw.get("widgets_values")
        if isinstance(values, list) and values:
            return values[p] if p < len(values) else UNDEFINED
        if inner.kind == "subgraph":  # nested promotion: the inner instance's own promoted value
            for j, slot in enumerate(inner.slots):
                if slot.name == widget:
                    value = self.promoted_value(inner, j)
                    return UNDEFINED if value is _NOT_PROMOTED else value
            return UNDEFINED
        i = inner.widget_index(widget)
        return UNDEFINED if i is None else inner.values[i]

    def _warn(self, code: str, message: str, scope: Scope, node: RNode, input_name: str | None = None) -> None:
        self.warnings.append(Issue(code, message, node_id=scope.exec_id(node), class_type=node.type,
                                   input_name=input_name))


_NOT_PROMOTED = object()
