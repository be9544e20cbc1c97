"""The runtime model of a UI workflow: what the ComfyUI frontend holds after loading the JSON.

Nodes are rebuilt from their definitions the way LGraphNode.configure + litegraphService do it (spec §2.2):
inputs are matched to saved inputs **by name** (the saved `target_slot` is never used), widget values are
applied positionally, and the root and every subgraph definition become separate `Graph`s whose node ids
are local to that graph (spec §1.4, §1.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graphrun.compile.widgets import NodeLayout, Widget, apply_widget_values, layout_for
from graphrun.nodedefs import NodeDefs

# Frontend-only node types (FE-reroute, FE-prim, FE-note): never emitted, resolved through (§2.6.4).
VIRTUAL_TYPES = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote"})
MODE_NEVER = 2  # muted
MODE_BYPASS = 4
SUBGRAPH_INPUT_ID = "-10"
SUBGRAPH_OUTPUT_ID = "-20"
GROUP_NODE_PREFIXES = ("workflow>", "workflow/")
_INT_PREFIX = re.compile(r"\s*[+-]?\d+")
# A new node's title is its translated display name: the frontend's bundled English locale (nodeDefs) when it has
# one, else /object_info's display_name, else the class. These five core nodes have no display_name in
# v0.3.64's /object_info, but frontend 1.27.10's locale names them (recorded from the real frontend, see
# tests/fixtures/frontend_1_27_10); an untitled node's `_meta.title` carries that name.
FRONTEND_TITLES = {
    "ImageBlend": "Image Blend", "ImageBlur": "Image Blur", "ImageQuantize": "Image Quantize",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels", "ImageSharpen": "Image Sharpen",
}


def id_key(value: Any) -> str:
    """Node/link ids as JavaScript object keys: `3`, `3.0` and `"3"` are the same key."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def slot_index(value: Any) -> int | None:
    """FE zSlotIndex: an integer, or a string read with parseInt (`"1abc"` -> 1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = _INT_PREFIX.match(value)
        return int(m.group(0)) if m else None
    return None


@dataclass(frozen=True)
class Link:
    id: str
    origin_id: str
    origin_slot: int | None
    target_id: str
    target_slot: int | None


@dataclass
class RSlot:
    """A runtime input slot with the link id attached to it (None = unconnected)."""

    name: str
    type: Any
    link: str | None
    widget: str | None = None


@dataclass
class RNode:
    """A node as the frontend holds it at queue time."""

    key: str
    type: str
    kind: str  # "class" | "virtual" | "subgraph" | "unknown" | "group"
    mode: int
    title: Any
    raw: dict[str, Any]
    slots: list[RSlot]
    output_types: list[Any]
    output_links: list[list[str]]
    widgets: tuple[Widget, ...] = ()
    values: list[Any] = field(default_factory=list)
    subgraph: str | None = None  # definition id for kind == "subgraph"

    def widget_index(self, name: str) -> int | None:
        for i, w in enumerate(self.widgets):
            if w.name == name:
                return i
        return None

    def widget_value(self, name: str) -> Any:
        i = self.widget_index(name)
        return None if i is None else self.values[i]

    @property
    def sr_name(self) -> Any:
        props = self.raw.get("properties")
        return props.get("Node name for S&R") if isinstance(props, dict) else None


@dataclass
class Graph:
    """The root graph or one subgraph definition: nodes in array order and links by id."""

    gid: str
    nodes: dict[str, RNode]
    links: dict[str, Link]
    inputs: list[dict[str, Any]] = field(default_factory=list)  # subgraph IO (definitions only)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""


def parse_link(raw: Any) -> Link | None:
    """0.4 six-tuple or v1 object (§1.5); anything else is skipped."""
    if isinstance(raw, list) and len(raw) >= 5:
        lid, o, os_, t, ts = raw[:5]
    elif isinstance(raw, dict) and "id" in raw:
        lid, o, os_, t, ts = (raw.get(k) for k in ("id", "origin_id", "origin_slot", "target_id", "target_slot"))
    else:
        return None
    return Link(id_key(lid), id_key(o), slot_index(os_), id_key(t), slot_index(ts))


def collect_definitions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every subgraph definition, recursively through nested `definitions` (§2.1 step 1)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(container: Any) -> None:
        defs = container.get("definitions") if isinstance(container, dict) else None
        subs = defs.get("subgraphs") if isinstance(defs, dict) else None
        for sub in subs if isinstance(subs, list) else []:
            if isinstance(sub, dict) and "id" in sub:
                found.setdefault(str(sub["id"]), sub)
                walk(sub)

    walk(doc)
    return found


def _saved_inputs(raw: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = raw.get("inputs")
    return [i for i in inputs if isinstance(i, dict)] if isinstance(inputs, list) else []


def _link_of(saved: dict[str, Any] | None) -> str | None:
    if saved is None or saved.get("link") is None:
        return None
    return id_key(saved["link"])


def _widget_name(saved: dict[str, Any] | None) -> str | None:
    w = saved.get("widget") if saved else None
    return w.get("name") if isinstance(w, dict) else None


def _by_name(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for saved in _saved_inputs(raw):
        out.setdefault(str(saved.get("name")), saved)
    return out


def _output_links(raw: dict[str, Any]) -> list[list[str]]:
    outs = raw.get("outputs")
    result = []
    for o in outs if isinstance(outs, list) else []:
        links = o.get("links") if isinstance(o, dict) else None
        result.append([id_key(x) for x in links if x is not None] if isinstance(links, list) else [])
    return result


def _mode(raw: dict[str, Any]) -> int:
    mode = raw.get("mode", 0)
    if isinstance(mode, float) and mode.is_integer():
        return int(mode)  # JSON has one number type: the frontend's `mode === 4` holds for 4.0
    return mode if isinstance(mode, int) and not isinstance(mode, bool) else 0


def build_node(raw: dict[str, Any], defs: NodeDefs, definitions: dict[str, dict[str, Any]],
               layouts: dict[str, NodeLayout] | None = None) -> RNode:
    """One node's runtime model (§2.2): class nodes from their definition, others as saved."""
    ntype = str(raw.get("type", ""))
    key = id_key(raw.get("id"))
    mode = _mode(raw)
    title = raw.get("title")
    out_links = _output_links(raw)
    saved_outs = [o for o in raw.get("outputs") or [] if isinstance(o, dict)]
    if ntype in defs:
        defn = defs[ntype]
        layout = layout_for(defn, layouts)
        saved = _by_name(raw)
        slots = [RSlot(s.name, s.type, _link_of(saved.get(s.name)), s.widget) for s in layout.slots]
        values = apply_widget_values(layout, raw.get("widgets_values"))
        if not isinstance(title, str):
            title = FRONTEND_TITLES.get(ntype) or defn.title
        return RNode(key, ntype, "class", mode, title, raw, slots,
                     defn.output_types, out_links, layout.widgets, values)
    if ntype in definitions:
        sub = definitions[ntype]
        saved = _by_name(raw)
        slots = []
        for io in sub.get("inputs") or []:
            name = str(io.get("name"))
            slots.append(RSlot(name, io.get("type"), _link_of(saved.get(name)), _widget_name(saved.get(name))))
        outs = [o.get("type") for o in sub.get("outputs") or []]
        return RNode(key, ntype, "subgraph", mode, title if isinstance(title, str) else sub.get("name", ntype),
                     raw, slots, outs, out_links, subgraph=ntype)
    if ntype in VIRTUAL_TYPES:
        slots = [RSlot(str(s.get("name", "")), s.get("type"), _link_of(s), _widget_name(s))
                 for s in _saved_inputs(raw)]
        node = RNode(key, ntype, "virtual", mode, title if isinstance(title, str) else ntype, raw, slots,
                     [o.get("type") for o in saved_outs], out_links)
        values = raw.get("widgets_values")
        if ntype == "PrimitiveNode" and isinstance(values, list) and values:
            node.widgets = (Widget("value", "value", None, True),)
            node.values = [values[0]]
        return node
    kind = "group" if ntype.startswith(GROUP_NODE_PREFIXES) else "unknown"
    return RNode(key, ntype, kind, mode, title, raw, [], [o.get("type") for o in saved_outs], out_links)


def build_graph(gid: str, container: dict[str, Any], defs: NodeDefs, definitions: dict[str, dict[str, Any]],
                layouts: dict[str, NodeLayout] | None = None) -> Graph:
    """Root document or subgraph definition -> Graph (duplicate node ids: the first one wins)."""
    nodes: dict[str, RNode] = {}
    for raw in container.get("nodes") or []:
        if isinstance(raw, dict):
            node = build_node(raw, defs, definitions, layouts)
            nodes.setdefault(node.key, node)
    links: dict[str, Link] = {}
    for raw in container.get("links") or []:
        link = parse_link(raw)
        if link is not None:
            links.setdefault(link.id, link)
    inputs = [i for i in container.get("inputs") or [] if isinstance(i, dict)] if gid != "root" else []
    outputs = [o for o in container.get("outputs") or [] if isinstance(o, dict)] if gid != "root" else []
    return Graph(gid, nodes, links, inputs, outputs, str(container.get("name", "")))


def execution_order(graph: Graph) -> list[RNode]:
    """LGraph.computeExecutionOrder (§2.9): Kahn's algorithm from the nodes without linked inputs (array
    order, first-in first-out); unreachable nodes (cycles) follow in JS object-key order."""
    remaining: dict[str, int] = {}
    queue: list[RNode] = []
    for node in graph.nodes.values():
        n = sum(1 for s in node.slots if s.link is not None)
        if n == 0:
            queue.append(node)
        else:
            remaining[node.key] = n
    order: list[RNode] = []
    pending = dict(graph.nodes)
    seen_links: set[str] = set()
    while queue:
        node = queue.pop(0)
        order.append(node)
        pending.pop(node.key, None)
        for links in node.output_links:
            for lid in links:
                link = graph.links.get(lid)
                if link is None or lid in seen_links:
                    continue
                seen_links.add(lid)
                target = graph.nodes.get(link.target_id)
                if target is None or target.key not in remaining:
                    continue
                remaining[target.key] -= 1
                if remaining[target.key] == 0:
                    queue.append(target)
    order.extend(pending[k] for k in js_key_order(pending))
    return order


def js_key_order(keys: Any) -> list[str]:
    """JavaScript own-key order: canonical array-index keys ascending, then the rest in insertion order."""
    keys = list(keys)
    numeric = sorted((k for k in keys if _is_index_key(k)), key=int)
    return numeric + [k for k in keys if not _is_index_key(k)]


def _is_index_key(key: str) -> bool:
    return key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < 2**32 - 1
