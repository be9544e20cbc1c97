"""SamplerSASolver: sa_solver with its SDE interval (percent of the model's schedule), orders, PECE and s_noise."""

from __future__ import annotations

from graphrun.nodes._custom_common import configured, knob
from graphrun.nodes.base import Float, In, Int, NodeType, register


@register
class SamplerSASolver(NodeType):
    CLASS_TYPE = "SamplerSASolver"
    DISPLAY_NAME = "SamplerSASolver"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (
        In("model", "MODEL", empty_options=True),
        knob("eta", 1.0, max=10.0),
        Float("sde_start_percent", 0.2, 0.0, 1.0, step=0.001),
        Float("sde_end_percent", 0.8, 0.0, 1.0, step=0.001),
        knob("s_noise", 1.0),
        Int("predictor_order", 3, 1, 6),
        Int("corrector_order", 4, 0, 6),
        In("use_pece", "BOOLEAN", empty_options=True),
        In("simple_order_2", "BOOLEAN", empty_options=True),
    )
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, model, eta, sde_start_percent, sde_end_percent, s_noise, predictor_order, corrector_order,
            use_pece, simple_order_2):
        from graphrun.sampling.samplers.sa_solver import tau_interval

        ms = model.model_sampling
        tau = tau_interval(ms.percent_to_sigma(sde_start_percent), ms.percent_to_sigma(sde_end_percent), eta=eta)
        return (configured("sa_solver", tau_func=tau, s_noise=s_noise, predictor_order=predictor_order,
                           corrector_order=corrector_order, use_pece=use_pece, simple_order_2=simple_order_2),)
