"""FlipSigmas: the sigmas reversed (for inversion); a leading 0 becomes 0.0001."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class FlipSigmas(NodeType):
    CLASS_TYPE = "FlipSigmas"
    DISPLAY_NAME = "FlipSigmas"
    CATEGORY = "sampling/custom_sampling/sigmas"
    INPUTS = (Socket("sigmas", "SIGMAS"),)
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, sigmas):
        if len(sigmas) == 0:
            return (sigmas,)
        flipped = sigmas.flip(0)  # a copy: the input list is never changed
        if flipped[0] == 0:
            flipped[0] = 0.0001
        return (flipped,)
