"""SplitSigmas: sigmas[:step+1] (high) and sigmas[step:] (low); they share the sigma at `step`."""

from __future__ import annotations

from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class SplitSigmas(NodeType):
    CLASS_TYPE = "SplitSigmas"
    DISPLAY_NAME = "SplitSigmas"
    CATEGORY = "sampling/custom_sampling/sigmas"
    INPUTS = (Socket("sigmas", "SIGMAS"), Int("step", 0, 0, 10000))
    OUTPUTS = ("SIGMAS", "SIGMAS")
    OUTPUT_NAMES = ("high_sigmas", "low_sigmas")

    def run(self, ctx, sigmas, step):
        return (sigmas[: step + 1], sigmas[step:])
