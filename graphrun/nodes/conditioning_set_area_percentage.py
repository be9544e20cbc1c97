"""ConditioningSetAreaPercentage: like ConditioningSetArea with fractions of the latent size, resolved when
sampling (size max(1, round(f·side)), offset round(f·side)) (nodes.py, comfy/samplers.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class ConditioningSetAreaPercentage(NodeType):
    CLASS_TYPE = "ConditioningSetAreaPercentage"
    DISPLAY_NAME = "Conditioning (Set Area with Percentage)"
    CATEGORY = "conditioning"
    INPUTS = (
        Socket("conditioning", "CONDITIONING"),
        Float("width", 1.0, 0, 1.0, step=0.01),
        Float("height", 1.0, 0, 1.0, step=0.01),
        Float("x", 0, 0, 1.0, step=0.01),
        Float("y", 0, 0, 1.0, step=0.01),
        Float("strength", 1.0, 0.0, 10.0, step=0.01),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, width, height, x, y, strength):
        from graphrun.nodes._conditioning import with_values

        return (with_values(conditioning, area=("percentage", height, width, y, x), strength=strength,
                            set_area_to_bounds=False),)
