"""PolyexponentialScheduler: sigmas polynomial (power rho) in log sigma from sigma_max to sigma_min, then 0."""

from __future__ import annotations

from graphrun.nodes._custom_common import knob, sigma_range_error
from graphrun.nodes.base import Int, NodeType, register


@register
class PolyexponentialScheduler(NodeType):
    CLASS_TYPE = "PolyexponentialScheduler"
    DISPLAY_NAME = "PolyexponentialScheduler"
    CATEGORY = "sampling/custom_sampling/schedulers"
    INPUTS = (
        Int("steps", 20, 1, 10000),
        knob("sigma_max", 14.614642, max=5000.0),
        knob("sigma_min", 0.0291675, max=5000.0),
        knob("rho", 1.0),
    )
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, steps, sigma_max, sigma_min, rho):
        from graphrun.sampling.schedulers import polyexponential_sigmas

        try:
            return (polyexponential_sigmas(steps, sigma_min, sigma_max, rho),)
        except ValueError as exc:  # log(0)
            raise sigma_range_error(exc, "sigma_min" if sigma_min <= 0 else "sigma_max") from None
