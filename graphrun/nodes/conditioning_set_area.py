"""ConditioningSetArea: restrict entries to a rectangle given in pixels (stored in latent cells, //8) with a
strength; sampling then runs them on that crop and blends with a fuzzy edge (nodes.py, comfy/samplers.py)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Float, Int, NodeType, Socket, register


@register
class ConditioningSetArea(NodeType):
    CLASS_TYPE = "ConditioningSetArea"
    DISPLAY_NAME = "Conditioning (Set Area)"
    CATEGORY = "conditioning"
    INPUTS = (
        Socket("conditioning", "CONDITIONING"),
        Int("width", 64, 64, MAX_RESOLUTION, step=8),
        Int("height", 64, 64, MAX_RESOLUTION, step=8),
        Int("x", 0, 0, MAX_RESOLUTION, step=8),
        Int("y", 0, 0, MAX_RESOLUTION, step=8),
        Float("strength", 1.0, 0.0, 10.0, step=0.01),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, width, height, x, y, strength):
        from graphrun.nodes._conditioning import with_values

        return (with_values(conditioning, area=(height // 8, width // 8, y // 8, x // 8), strength=strength,
                            set_area_to_bounds=False),)
