"""DisableNoise: NOISE of zeros; samplers that add per-step noise then draw it with seed 0 (ComfyUI's behaviour)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, register


@register
class DisableNoise(NodeType):
    CLASS_TYPE = "DisableNoise"
    DISPLAY_NAME = "DisableNoise"
    CATEGORY = "sampling/custom_sampling/noise"
    INPUTS = ()
    OUTPUTS = ("NOISE",)

    def run(self, ctx):
        from graphrun.sampling.custom import DISABLED

        return (DISABLED,)
