"""SamplerDPMPP_2S_Ancestral: dpmpp_2s_ancestral with eta and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import NodeType, register


@register
class SamplerDPMPP_2S_Ancestral(NodeType):
    CLASS_TYPE = "SamplerDPMPP_2S_Ancestral"
    DISPLAY_NAME = "SamplerDPMPP_2S_Ancestral"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (knob("eta", 1.0), knob("s_noise", 1.0))
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, eta, s_noise):
        return (configured("dpmpp_2s_ancestral", eta=eta, s_noise=s_noise),)
