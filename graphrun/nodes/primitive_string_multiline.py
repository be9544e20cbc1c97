"""PrimitiveStringMultiline: a multi-line STRING constant (ComfyUI comfy_extras/nodes_primitive.py)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register


@register
class PrimitiveStringMultiline(NodeType):
    CLASS_TYPE = "PrimitiveStringMultiline"
    DISPLAY_NAME = "String (Multiline)"
    CATEGORY = "utils/primitive"
    INPUTS = (In("value", "STRING", {"multiline": True}),)
    OUTPUTS = ("STRING",)

    def run(self, ctx, value):
        return (value,)
