"""SamplerDPMPP_SDE: dpmpp_sde (noise_device cpu) or dpmpp_sde_gpu with eta, s_noise and the midpoint r."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import Combo, NodeType, register


@register
class SamplerDPMPP_SDE(NodeType):
    CLASS_TYPE = "SamplerDPMPP_SDE"
    DISPLAY_NAME = "SamplerDPMPP_SDE"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (knob("eta", 1.0), knob("s_noise", 1.0), knob("r", 0.5), Combo("noise_device", ["gpu", "cpu"]))
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, eta, s_noise, r, noise_device):
        name = "dpmpp_sde" if noise_device == "cpu" else "dpmpp_sde_gpu"
        return (configured(name, eta=eta, s_noise=s_noise, r=r),)
