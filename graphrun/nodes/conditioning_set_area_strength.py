"""ConditioningSetAreaStrength: the weight of the entries in the per-area average (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class ConditioningSetAreaStrength(NodeType):
    CLASS_TYPE = "ConditioningSetAreaStrength"
    DISPLAY_NAME = "ConditioningSetAreaStrength"
    CATEGORY = "conditioning"
    INPUTS = (Socket("conditioning", "CONDITIONING"), Float("strength", 1.0, 0.0, 10.0, step=0.01))
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, strength):
        from graphrun.nodes._conditioning import with_values

        return (with_values(conditioning, strength=strength),)
