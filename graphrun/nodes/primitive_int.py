"""PrimitiveInt: an INT constant (ComfyUI comfy_extras/nodes_primitive.py); 64-bit signed range, no default."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register

INT64 = 9223372036854775807


@register
class PrimitiveInt(NodeType):
    CLASS_TYPE = "PrimitiveInt"
    DISPLAY_NAME = "Int"
    CATEGORY = "utils/primitive"
    INPUTS = (In("value", "INT", {"min": -INT64, "max": INT64, "control_after_generate": True}),)
    OUTPUTS = ("INT",)

    def run(self, ctx, value):
        return (value,)
