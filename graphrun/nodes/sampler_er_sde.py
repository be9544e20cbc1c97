"""SamplerER_SDE: er_sde as ER-SDE (its own noise scaler), Reverse-time SDE (scaler x^(eta+1)) or ODE (no noise)."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import In, Int, NodeType, register


@register
class SamplerER_SDE(NodeType):
    CLASS_TYPE = "SamplerER_SDE"
    DISPLAY_NAME = "SamplerER_SDE"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (
        In("solver_type", "COMBO", {"options": ["ER-SDE", "Reverse-time SDE", "ODE"]}),
        Int("max_stage", 3, 1, 3),
        In("eta", "FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01, "round": False,
                            "tooltip": "Stochastic strength of reverse-time SDE.\nWhen eta=0, it reduces to "
                                       "deterministic ODE. This setting doesn't apply to ER-SDE solver type."}),
        knob("s_noise", 1.0),
    )
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, solver_type, max_stage, eta, s_noise):
        if solver_type == "ODE" or (solver_type == "Reverse-time SDE" and eta == 0):
            eta, s_noise = 0, 0
        scaler = None if solver_type == "ER-SDE" else (lambda v, p=eta + 1: v**p)
        return (configured("er_sde", s_noise=s_noise, noise_scaler=scaler, max_stage=max_stage),)
