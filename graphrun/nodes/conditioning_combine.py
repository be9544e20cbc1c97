"""ConditioningCombine: the entries of both inputs, in order; each is sampled and averaged by area (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class ConditioningCombine(NodeType):
    CLASS_TYPE = "ConditioningCombine"
    DISPLAY_NAME = "Conditioning (Combine)"
    CATEGORY = "conditioning"
    INPUTS = (Socket("conditioning_1", "CONDITIONING"), Socket("conditioning_2", "CONDITIONING"))
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning_1, conditioning_2):
        return (tuple(conditioning_1) + tuple(conditioning_2),)
