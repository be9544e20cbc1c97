"""SamplerDPMPP_3M_SDE: dpmpp_3m_sde (noise_device cpu) or dpmpp_3m_sde_gpu, with eta and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import Combo, NodeType, register


@register
class SamplerDPMPP_3M_SDE(NodeType):
    CLASS_TYPE = "SamplerDPMPP_3M_SDE"
    DISPLAY_NAME = "SamplerDPMPP_3M_SDE"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (knob("eta", 1.0), knob("s_noise", 1.0), Combo("noise_device", ["gpu", "cpu"]))
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, eta, s_noise, noise_device):
        name = "dpmpp_3m_sde" if noise_device == "cpu" else "dpmpp_3m_sde_gpu"
        return (configured(name, eta=eta, s_noise=s_noise),)
