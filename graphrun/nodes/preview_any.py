"""PreviewAny: shows any value as text (comfy_extras/nodes_preview_any.py): strings as is, numbers and booleans
with str(), other values as JSON when they serialise, else str(). graphrun prints the text to the run log."""

from __future__ import annotations

import json
from typing import Any

from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import NodeType, register


def preview_text(source: Any) -> str:
    if source is None:
        return "None"
    if isinstance(source, str):
        return source
    if isinstance(source, (int, float, bool)):
        return str(source)
    source = comfy_value(source)
    try:
        return json.dumps(source)
    except Exception:
        try:
            return str(source)
        except Exception:
            return "source exists, but could not be serialized."


def comfy_value(value: Any) -> Any:
    """graphrun's typed values in the plain shape ComfyUI passes around (LATENT dict, CONDITIONING list)."""
    from graphrun.values import CondEntry, Latent

    if isinstance(value, Latent):
        out: dict[str, Any] = {"samples": value.samples}
        if value.batch_index is not None:
            out["batch_index"] = list(value.batch_index)
        if value.noise_mask is not None:
            out["noise_mask"] = value.noise_mask
        return out
    if isinstance(value, tuple) and value and all(isinstance(e, CondEntry) for e in value):
        return [[e.cond, e.fields()] for e in value]
    return value


@register
class PreviewAny(NodeType):
    CLASS_TYPE = "PreviewAny"
    DISPLAY_NAME = "Preview Any"
    CATEGORY = "utils"
    INPUTS = (V3Socket("source", "*"),)
    OUTPUT_NODE = True

    def run(self, ctx, source=None):
        text = preview_text(source)
        ctx.log(f"PreviewAny (node {ctx.node_id}): {text}")
        return ()
