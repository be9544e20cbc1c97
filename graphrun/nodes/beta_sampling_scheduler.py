"""BetaSamplingScheduler: the `beta` scheduler with explicit alpha and beta (Beta-distribution quantiles)."""

from __future__ import annotations

from graphrun.nodes._custom_common import knob
from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class BetaSamplingScheduler(NodeType):
    CLASS_TYPE = "BetaSamplingScheduler"
    DISPLAY_NAME = "BetaSamplingScheduler"
    CATEGORY = "sampling/custom_sampling/schedulers"
    INPUTS = (
        Socket("model", "MODEL"),
        Int("steps", 20, 1, 10000),
        knob("alpha", 0.6, max=50.0),
        knob("beta", 0.6, max=50.0),
    )
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, model, steps, alpha, beta):
        from graphrun.sampling.schedulers import beta as beta_schedule

        return (beta_schedule(model.model_sampling, steps, alpha=alpha, beta_=beta),)
