"""SplitSigmasDenoise: keep the last round(steps * denoise) steps as low_sigmas, the rest as high_sigmas.

Python slicing as ComfyUI does it: with 0 kept steps, high_sigmas is sigmas[:-0], i.e. empty."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class SplitSigmasDenoise(NodeType):
    CLASS_TYPE = "SplitSigmasDenoise"
    DISPLAY_NAME = "SplitSigmasDenoise"
    CATEGORY = "sampling/custom_sampling/sigmas"
    INPUTS = (Socket("sigmas", "SIGMAS"), Float("denoise", 1.0, 0.0, 1.0, step=0.01))
    OUTPUTS = ("SIGMAS", "SIGMAS")
    OUTPUT_NAMES = ("high_sigmas", "low_sigmas")

    def run(self, ctx, sigmas, denoise):
        steps = max(sigmas.shape[-1] - 1, 0)
        kept = round(steps * denoise)
        return (sigmas[:-kept], sigmas[-(kept + 1):])
