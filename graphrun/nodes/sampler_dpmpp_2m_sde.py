"""SamplerDPMPP_2M_SDE: dpmpp_2m_sde (noise_device cpu) or dpmpp_2m_sde_gpu with solver_type, eta and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import Combo, NodeType, register


@register
class SamplerDPMPP_2M_SDE(NodeType):
    CLASS_TYPE = "SamplerDPMPP_2M_SDE"
    DISPLAY_NAME = "SamplerDPMPP_2M_SDE"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (
        Combo("solver_type", ["midpoint", "heun"]),
        knob("eta", 1.0),
        knob("s_noise", 1.0),
        Combo("noise_device", ["gpu", "cpu"]),
    )
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, solver_type, eta, s_noise, noise_device):
        name = "dpmpp_2m_sde" if noise_device == "cpu" else "dpmpp_2m_sde_gpu"
        return (configured(name, eta=eta, s_noise=s_noise, solver_type=solver_type),)
