"""`--set NODE.INPUT=VALUE` overrides on an API prompt (NODE = execution id or title). Pure: returns a copy."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphrun.errors import Issue, UsageError
from graphrun.workflow.api import is_link


@dataclass(frozen=True)
class Override:
    node: str
    input: str
    value: Any

    @classmethod
    def parse(cls, text: str) -> "Override":
        """Parse NODE.INPUT=VALUE; VALUE is JSON when it parses as JSON (20, 8.5, "x", true), else a string."""
        key, sep, raw = text.partition("=")
        node, dot, name = key.rpartition(".")
        if not sep or not dot or not node or not name:
            raise UsageError(f"--set expects NODE.INPUT=VALUE (NODE = id or title), got {text!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        return cls(node.strip(), name.strip(), value)


def find_node(prompt: Mapping[str, Any], ref: str) -> str:
    """Resolve a node reference (execution id, else exact _meta.title, else class_type) to one id."""
    if ref in prompt:
        return ref
    for field in ("title", "class_type"):
        hits = [nid for nid, n in prompt.items()
                if (n.get("_meta", {}).get("title") if field == "title" else n.get("class_type")) == ref]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UsageError(f"--set: {ref!r} matches several nodes ({', '.join(hits)}); use the node id")
    known = sorted({n.get("_meta", {}).get("title") or n.get("class_type") for n in prompt.values()})
    raise UsageError(f"--set: no node with id or title {ref!r}",
                     [Issue("unknown_node", f"no node {ref!r}", allowed=", ".join(map(str, known)))])


def apply_overrides(prompt: Mapping[str, Any], overrides: Iterable[Override]) -> dict[str, Any]:
    out = copy.deepcopy(dict(prompt))
    for ov in overrides:
        node_id = find_node(out, ov.node)
        inputs = out[node_id].setdefault("inputs", {})
        if ov.input not in inputs:
            raise UsageError(f"--set: node {node_id} ({out[node_id].get('class_type')}) has no input "
                             f"{ov.input!r}; inputs: {', '.join(inputs)}")
        if is_link(inputs[ov.input]):
            src = inputs[ov.input]
            raise UsageError(f"--set: input {ov.input!r} of node {node_id} ({out[node_id].get('class_type')}) is "
                             f"linked from node {src[0]} output {src[1]}; set a constant input (e.g. on the node "
                             f"that feeds it)", [Issue("linked_input", "this input is linked", node_id=node_id,
                                                       input_name=ov.input, value=list(src))])
        inputs[ov.input] = ov.value
    return out
