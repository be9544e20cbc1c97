"""PrimitiveFloat: a FLOAT constant (ComfyUI comfy_extras/nodes_primitive.py)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register
from graphrun.nodes.primitive_int import INT64


@register
class PrimitiveFloat(NodeType):
    CLASS_TYPE = "PrimitiveFloat"
    DISPLAY_NAME = "Float"
    CATEGORY = "utils/primitive"
    INPUTS = (In("value", "FLOAT", {"min": -INT64, "max": INT64}),)
    OUTPUTS = ("FLOAT",)

    def run(self, ctx, value):
        return (value,)
