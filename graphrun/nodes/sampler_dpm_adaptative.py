"""SamplerDPMAdaptative: dpm_adaptive with every knob of its PID step-size controller, eta and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import Int, NodeType, register


@register
class SamplerDPMAdaptative(NodeType):
    CLASS_TYPE = "SamplerDPMAdaptative"
    DISPLAY_NAME = "SamplerDPMAdaptative"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (
        Int("order", 3, 2, 3),
        knob("rtol", 0.05),
        knob("atol", 0.0078),
        knob("h_init", 0.05),
        knob("pcoeff", 0.0),
        knob("icoeff", 1.0),
        knob("dcoeff", 0.0),
        knob("accept_safety", 0.81),
        knob("eta", 0.0),
        knob("s_noise", 1.0),
    )
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, order, rtol, atol, h_init, pcoeff, icoeff, dcoeff, accept_safety, eta, s_noise):
        # eta > 0 adds seeded per-step noise (ComfyUI always seeds the generator; with eta 0 it adds 0 * noise)
        return (configured("dpm_adaptive", noise="seeded" if eta else None, order=order, rtol=rtol, atol=atol,
                           h_init=h_init, pcoeff=pcoeff, icoeff=icoeff, dcoeff=dcoeff, accept_safety=accept_safety,
                           eta=eta, s_noise=s_noise),)
