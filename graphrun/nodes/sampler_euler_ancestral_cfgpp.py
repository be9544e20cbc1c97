"""SamplerEulerAncestralCFGPP: euler_ancestral_cfg_pp with eta (0..1) and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import NodeType, register


@register
class SamplerEulerAncestralCFGPP(NodeType):
    CLASS_TYPE = "SamplerEulerAncestralCFGPP"
    DISPLAY_NAME = "SamplerEulerAncestralCFG++"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (knob("eta", 1.0, max=1.0), knob("s_noise", 1.0, max=10.0))
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, eta, s_noise):
        return (configured("euler_ancestral_cfg_pp", eta=eta, s_noise=s_noise),)
