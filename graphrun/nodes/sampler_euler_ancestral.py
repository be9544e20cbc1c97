"""SamplerEulerAncestral: euler_ancestral with its eta (ancestral step size) and s_noise (noise scale)."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import NodeType, register


@register
class SamplerEulerAncestral(NodeType):
    CLASS_TYPE = "SamplerEulerAncestral"
    DISPLAY_NAME = "SamplerEulerAncestral"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (knob("eta", 1.0), knob("s_noise", 1.0))
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, eta, s_noise):
        return (configured("euler_ancestral", eta=eta, s_noise=s_noise),)
