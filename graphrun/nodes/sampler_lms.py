"""SamplerLMS: the lms sampler with its linear-multistep order."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured
from graphrun.nodes.base import Int, NodeType, register


@register
class SamplerLMS(NodeType):
    CLASS_TYPE = "SamplerLMS"
    DISPLAY_NAME = "SamplerLMS"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (Int("order", 4, 1, 100),)
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, order):
        return (configured("lms", order=order),)
