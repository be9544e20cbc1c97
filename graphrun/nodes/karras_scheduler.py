"""KarrasScheduler: the Karras et al. rho ramp between explicit sigma_max and sigma_min, then 0."""

from __future__ import annotations

from graphrun.nodes._custom_common import knob, sigma_range_error
from graphrun.nodes.base import Int, NodeType, register


@register
class KarrasScheduler(NodeType):
    CLASS_TYPE = "KarrasScheduler"
    DISPLAY_NAME = "KarrasScheduler"
    CATEGORY = "sampling/custom_sampling/schedulers"
    INPUTS = (
        Int("steps", 20, 1, 10000),
        knob("sigma_max", 14.614642, max=5000.0),
        knob("sigma_min", 0.0291675, max=5000.0),
        knob("rho", 7.0),
    )
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, steps, sigma_max, sigma_min, rho):
        from graphrun.sampling.schedulers import karras_sigmas

        try:
            return (karras_sigmas(steps, sigma_min, sigma_max, rho),)
        except (ZeroDivisionError, ValueError) as exc:
            raise sigma_range_error(exc, "rho") from None
