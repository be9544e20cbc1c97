"""PrimitiveBoolean: a BOOLEAN constant (ComfyUI comfy_extras/nodes_primitive.py)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register


@register
class PrimitiveBoolean(NodeType):
    CLASS_TYPE = "PrimitiveBoolean"
    DISPLAY_NAME = "Boolean"
    CATEGORY = "utils/primitive"
    INPUTS = (In("value", "BOOLEAN", empty_options=True),)
    OUTPUTS = ("BOOLEAN",)

    def run(self, ctx, value):
        return (value,)
