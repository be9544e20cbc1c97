"""UI workflow models: schema 0.4 (6-item link arrays) and schema 1 (link objects, state, reroutes), with subgraphs.

Mirrors the frontend's zod schemas (workflowSchema.ts `zComfyWorkflow`, `zComfyWorkflow1`, `zSubgraphDefinition`),
spec workflow-format.md §1. Structural rules are kept (required fields, types, tuple arities); cosmetic format
checks the frontend makes are relaxed to "string" (uuids, URLs, semver/`cnr_id`/`aux_id` patterns, the renderer
enum), because the frontend itself loads such files (its validation is off by default, spec §1.1) and graphrun
never reads those fields. Every object keeps unknown keys (zod `.passthrough()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, StrictBool, StrictFloat, StrictInt, StrictStr, WithJsonSchema

from graphrun.workflow._base import Absent, DataType, NodeId, Number, Passthrough, SlotIndex, Tuple, parse_slot

Str = StrictStr
Bool = StrictBool


class Vector2Object(Passthrough):
    """The object form of a 2-vector, `{"0": x, "1": y}` (seen in an old `size`); the frontend reads it as [x, y]."""

    x: Number = Field(alias="0")
    y: Number = Field(alias="1")


Vector2 = Union[Tuple(Number, Number), Vector2Object]
Bounding = Tuple(Number, Number, Number, Number)


def xy(value: Any) -> tuple[float, float]:
    """A Vector2 in either form as (x, y)."""
    if isinstance(value, Vector2Object):
        return (value.x, value.y)
    return (value[0], value[1])


class ModelFile(Passthrough):
    """A model download hint (`models[]`, `properties.models[]`); never used to compile."""

    name: Str
    url: Str
    hash: Absent(Str) = None
    hash_type: Absent(Str) = None
    directory: Str


class GraphState(Passthrough):
    """Schema-1 id counters (replace 0.4's `last_node_id`/`last_link_id`)."""

    lastGroupId: Number
    lastNodeId: Number
    lastLinkId: Number
    lastRerouteId: Number


# 0.4 root link: [id, origin_id, origin_slot, target_id, target_slot, type].
LinkArray = Tuple(Number, NodeId, SlotIndex, NodeId, SlotIndex, DataType)


class UILink(Passthrough):
    """A link object (schema 1 root, subgraph definitions, floating links); `parentId` is a native reroute."""

    id: Number
    origin_id: NodeId
    origin_slot: SlotIndex
    target_id: NodeId
    target_slot: SlotIndex
    type: DataType
    parentId: Absent(Number) = None

    @classmethod
    def from_array(cls, link: tuple | list) -> UILink:
        """The object view of a 0.4 link array."""
        keys = ("id", "origin_id", "origin_slot", "target_id", "target_slot", "type")
        return cls.model_validate(dict(zip(keys, link)))

    @property
    def origin_slot_index(self) -> int:
        return parse_slot(self.origin_slot)

    @property
    def target_slot_index(self) -> int:
        return parse_slot(self.target_slot)


class LinkExtension(Passthrough):
    """0.4 `extra.linkExtensions[]`: the native reroute a link passes through."""

    id: Number
    parentId: Number


class RerouteFloating(Passthrough):
    slotType: Literal["input", "output"]


class Reroute(Passthrough):
    """A native (geometric) reroute; ignored by the compiler (spec §1.6)."""

    id: Number
    parentId: Absent(Number) = None
    pos: Vector2
    linkIds: list[Number] | None = None
    floating: Absent(RerouteFloating) = None


class NodeInput(Passthrough):
    """An input slot; `widget: {name}` marks a widget socket, `link` is the connected link id or null."""

    name: Str
    type: DataType
    link: Number | None = None
    slot_index: SlotIndex | None = None  # null in two official templates (zod: optional only)


class NodeOutput(Passthrough):
    """An output slot; `links` lists the link ids leaving it."""

    name: Str
    type: DataType
    links: list[Number] | None = None
    slot_index: SlotIndex | None = None  # null in two official templates (zod: optional only)


class NodeFlags(Passthrough):
    collapsed: Absent(Bool) = None
    pinned: Absent(Bool) = None
    allow_interaction: Absent(Bool) = None
    horizontal: Absent(Bool) = None
    skip_repeated_outputs: Absent(Bool) = None


class NodeProperties(Passthrough):
    """Node properties; `Node name for S&R` feeds `%node.widget%` substitution, the rest is metadata."""

    node_name_for_sr: Absent(Str) = Field(default=None, alias="Node name for S&R")
    cnr_id: Absent(Str) = None
    aux_id: Absent(Str) = None
    ver: Absent(Str) = None
    models: Absent(list[ModelFile]) = None


# Positional values (normally) or a name -> value record; items are any JSON (schema skips per-item checks).
WidgetValues = Annotated[Union[list[Any], dict[str, Any]],
                         WithJsonSchema({"anyOf": [{"type": "array"}, {"type": "object"}]})]


class UINode(Passthrough):
    """A node as saved by the editor (spec §1.4). `type` is a node class, a frontend-only type, or a subgraph id."""

    id: NodeId
    type: Str
    pos: Vector2
    size: Vector2
    flags: NodeFlags
    order: Number
    mode: Number
    inputs: Absent(list[NodeInput]) = None
    outputs: Absent(list[NodeOutput]) = None
    properties: NodeProperties
    widgets_values: Absent(WidgetValues) = None
    color: Absent(Str) = None
    bgcolor: Absent(Str) = None

    @property
    def title(self) -> str | None:
        """The saved title (passthrough key, present only when it differs from the display name)."""
        return self.extra_field("title")

    @property
    def widgets_values_named(self) -> dict[str, Any] | None:
        """`{widget name: value}` written by frontends >= 1.49.6 (passthrough key, spec §1.9)."""
        return self.extra_field("widgets_values_named")


class SubgraphIO(NodeInput):
    """A subgraph definition's input or output (zSubgraphIO); its index is the instance's slot index."""

    id: Str  # a uuid in the frontend's schema; any string here (one official template uses names)
    type: Str
    linkIds: Absent(list[Number]) = None


class SubgraphInstance(Passthrough):
    """Root `subgraphs[]` instance descriptor (declared by the frontend schema, unused in practice)."""

    id: NodeId
    type: Str
    pos: Vector2
    size: Vector2
    flags: NodeFlags
    order: Number
    mode: Number
    inputs: Absent(list[SubgraphIO]) = None
    outputs: Absent(list[SubgraphIO]) = None
    widgets_values: Absent(WidgetValues) = None
    color: Absent(Str) = None
    bgcolor: Absent(Str) = None


class Group(Passthrough):
    id: Absent(Number) = None
    title: Str
    bounding: Bounding
    color: Absent(Str) = None
    font_size: Absent(Number) = None
    locked: Absent(Bool) = None


class ViewState(Passthrough):
    """`extra.ds`: canvas zoom and offset."""

    scale: Number
    offset: Vector2


class GraphConfig(Passthrough):
    links_ontop: Absent(Bool) = None
    align_to_grid: Absent(Bool) = None


LinearInput = Union[Tuple(NodeId, Str, dict[str, Any]), Tuple(NodeId, Str)]


class LinearData(Passthrough):
    """`extra.linearData`: app-mode inputs/outputs/layout."""

    inputs: Absent(list[LinearInput]) = None
    outputs: Absent(list[NodeId]) = None
    layout: Absent(dict[str, Any]) = None


class Extra(Passthrough):
    """`extra` (spec §1.7); only `groupNodes` (passthrough) matters to the compiler."""

    ds: Absent(ViewState) = None
    frontendVersion: Absent(Str) = None
    linkExtensions: Absent(list[LinkExtension]) = None
    reroutes: Absent(list[Reroute]) = None
    workflowRendererVersion: Absent(Str) = None  # "LG" | "Vue" | "Vue-corrected" in the frontend
    BlueprintDescription: Absent(Str) = None
    BlueprintSearchAliases: Absent(list[Str]) = None
    linearMode: Absent(Bool) = None
    linearData: Absent(LinearData) = None


class SubgraphIONode(Passthrough):
    """A definition's input (id -10) or output (id -20) pseudo node."""

    id: NodeId
    bounding: Bounding
    pinned: Absent(Bool) = None


class ExposedWidget(Passthrough):
    id: Str
    name: Str


class GraphDefinitions(Passthrough):
    """`definitions`: the subgraph definitions a graph's instance nodes refer to by `type`."""

    subgraphs: list[SubgraphDefinition]


class _Graph(Passthrough):
    """Fields shared by both root schemas and subgraph definitions."""

    id: Absent(Str) = None  # a uuid in the frontend's schema
    revision: Absent(Number) = None
    config: GraphConfig | None = None
    subgraphs: Absent(list[SubgraphInstance]) = None
    groups: Absent(list[Group]) = None
    nodes: list[UINode]
    floatingLinks: Absent(list[UILink]) = None
    extra: Extra | None = None
    models: Absent(list[ModelFile]) = None
    definitions: Absent(GraphDefinitions) = None

    def link_objects(self) -> list[UILink]:
        """This graph's links as objects (0.4 arrays converted); floating links excluded."""
        raise NotImplementedError

    def links_by_id(self) -> dict[Any, UILink]:
        return {link.id: link for link in self.link_objects()}

    def node_by_id(self) -> dict[Any, UINode]:
        return {node.id: node for node in self.nodes}

    def subgraph_definitions(self) -> list[SubgraphDefinition]:
        """Every subgraph definition reachable from this graph, nested ones included, outermost first."""
        return list(_walk_definitions(self))


def _walk_definitions(graph: _Graph) -> Iterator[SubgraphDefinition]:
    if graph.definitions is None:
        return
    for definition in graph.definitions.subgraphs:
        yield definition
        yield from _walk_definitions(definition)


class UIWorkflow04(_Graph):
    """Schema 0.4 root (spec §1.2): links are 6-item arrays; any `version` other than 1 is read with this schema."""

    last_node_id: NodeId
    last_link_id: Number
    links: list[LinkArray]
    version: Number

    def link_objects(self) -> list[UILink]:
        return [UILink.from_array(link) for link in self.links]


def _is_one(value: float) -> float:
    if value != 1:
        raise ValueError("schema-1 documents have version 1")
    return value


SchemaOne = Annotated[Union[StrictInt, StrictFloat], AfterValidator(_is_one), WithJsonSchema({"const": 1})]


class UIWorkflow1(_Graph):
    """Schema 1 root (spec §1.3): `state` counters, link objects, top-level native reroutes."""

    version: SchemaOne
    state: GraphState
    links: Absent(list[UILink]) = None
    reroutes: Absent(list[Reroute]) = None

    def link_objects(self) -> list[UILink]:
        return list(self.links or [])


class SubgraphDefinition(UIWorkflow1):
    """`definitions.subgraphs[]` (spec §1.8): a schema-1 graph with IO pseudo nodes -10/-20 and ordered IO slots."""

    id: Str
    revision: Number
    name: Str
    description: Absent(Str) = None
    category: Absent(Str) = None
    essentials_category: Absent(Str) = None
    inputNode: SubgraphIONode
    outputNode: SubgraphIONode
    inputs: Absent(list[SubgraphIO]) = None
    outputs: Absent(list[SubgraphIO]) = None
    widgets: Absent(list[ExposedWidget]) = None


GraphDefinitions.model_rebuild()

UIWorkflow = Union[UIWorkflow04, UIWorkflow1]

__all__ = [
    "Extra", "ExposedWidget", "GraphConfig", "GraphDefinitions", "GraphState", "Group", "LinkArray", "LinkExtension",
    "ModelFile", "NodeFlags", "NodeInput", "NodeOutput", "NodeProperties", "Reroute", "SubgraphDefinition",
    "SubgraphIO", "SubgraphIONode", "SubgraphInstance", "UILink", "UINode", "UIWorkflow", "UIWorkflow04",
    "UIWorkflow1", "Vector2", "Vector2Object", "ViewState", "xy",
]
