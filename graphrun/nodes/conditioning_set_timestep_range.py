"""ConditioningSetTimestepRange: the entries only apply between `start` and `end` of the sampling, as fractions
of the model's sigma schedule (percent_to_sigma) (nodes.py, comfy/samplers.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class ConditioningSetTimestepRange(NodeType):
    CLASS_TYPE = "ConditioningSetTimestepRange"
    DISPLAY_NAME = "ConditioningSetTimestepRange"
    CATEGORY = "advanced/conditioning"
    INPUTS = (
        Socket("conditioning", "CONDITIONING"),
        Float("start", 0.0, 0.0, 1.0, step=0.001),
        Float("end", 1.0, 0.0, 1.0, step=0.001),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, start, end):
        from graphrun.nodes._conditioning import with_values

        return (with_values(conditioning, start_percent=start, end_percent=end),)
