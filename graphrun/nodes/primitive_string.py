"""PrimitiveString: a single-line STRING constant (ComfyUI comfy_extras/nodes_primitive.py)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register


@register
class PrimitiveString(NodeType):
    CLASS_TYPE = "PrimitiveString"
    DISPLAY_NAME = "String"
    CATEGORY = "utils/primitive"
    INPUTS = (In("value", "STRING", {"multiline": False}),)
    OUTPUTS = ("STRING",)

    def run(self, ctx, value):
        return (value,)
