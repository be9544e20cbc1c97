"""Checks that make a UI workflow uncompilable, collected and raised once (style rule 6; spec §2.11).

The frontend itself loads almost anything and produces an unusable prompt instead (an unknown class is sent
without `class_type`, measured on 1.27.10); graphrun reports these up front instead.
"""

from __future__ import annotations

import re
from typing import Any

from graphrun.compile.node_origin import missing_node_text
from graphrun.compile.ui_graph import Graph
from graphrun.errors import Issue, WorkflowError

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def check_document(ui: Any) -> None:
    """FE `validateComfyWorkflow` minimum (§1.1): an object with a numeric `version` and a `nodes` list."""
    if not isinstance(ui, dict):
        raise WorkflowError("a UI workflow must be a JSON object",
                            [Issue("invalid_workflow", "the document is not a JSON object", value=type(ui).__name__)])
    version = ui.get("version")
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        raise WorkflowError("Workflow does not contain a valid version", [Issue(
            "invalid_workflow", "missing or non-numeric 'version' (API prompts are not UI workflows)",
            pointer="/version", value=version)])
    if not isinstance(ui.get("nodes"), list):
        raise WorkflowError("UI workflow has no 'nodes' list",
                            [Issue("invalid_workflow", "'nodes' must be a list", pointer="/nodes")])


def looks_like_subgraph_id(node_type: str) -> bool:
    return bool(_UUID.match(node_type))


def check_node_types(ui: dict[str, Any], graphs: dict[str, Graph], definitions: dict[str, Any],
                     warnings: list[Issue]) -> None:
    """Unknown node classes (one `missing_node_type` issue per type), instances of missing subgraph
    definitions, and legacy group nodes (§2.8: their converted ids cannot be reproduced)."""
    unknown: dict[str, list[str]] = {}
    issues: list[Issue] = []
    for gid, graph in graphs.items():
        where = "" if gid == "root" else f" in subgraph {graph.name or gid!r}"
        for node in graph.nodes.values():
            if node.kind == "unknown":
                unknown.setdefault(node.type, []).append(node.key + where)
            elif node.kind == "group":
                issues.append(Issue(
                    "group_node_not_supported",
                    f"legacy group node '{node.type}'{where} is not supported; open the workflow in a current "
                    "ComfyUI frontend (which converts group nodes to subgraphs) and save it again",
                    node_id=node.key, class_type=node.type))
            if isinstance(node.raw.get("widgets_values"), dict):
                warnings.append(Issue("object_widgets_values", "widgets_values is an object; read by widget name",
                                      node_id=node.key, class_type=node.type))
    for node_type, where in unknown.items():
        nodes = ", ".join(where)
        if looks_like_subgraph_id(node_type):
            issues.append(Issue("missing_subgraph_definition",
                                f"subgraph instance(s) {nodes} refer to definition {node_type}, which the "
                                "workflow's definitions.subgraphs does not contain",
                                node_id=where[0].split(" ")[0], class_type=node_type))
        else:
            issues.append(Issue("missing_node_type",
                                f"{missing_node_text(node_type)} (nodes {nodes})",
                                node_id=where[0].split(" ")[0], class_type=node_type,
                                extra={"nodes": where}))
    if issues:
        missing = sorted({i.class_type for i in issues if i.code == "missing_node_type"})
        head = f"workflow uses unknown node types: {', '.join(missing)}" if missing else "workflow cannot be compiled"
        raise WorkflowError(head, issues)
