"""SamplerCustomAdvanced: NOISE + GUIDER + SAMPLER + SIGMAS; outputs the result and the last x0 prediction."""

from __future__ import annotations

from graphrun.nodes._custom_common import run_custom
from graphrun.nodes.base import NodeType, Socket, register


@register
class SamplerCustomAdvanced(NodeType):
    CLASS_TYPE = "SamplerCustomAdvanced"
    DISPLAY_NAME = "SamplerCustomAdvanced"
    CATEGORY = "sampling/custom_sampling"
    INPUTS = (
        Socket("noise", "NOISE"),
        Socket("guider", "GUIDER"),
        Socket("sampler", "SAMPLER"),
        Socket("sigmas", "SIGMAS"),
        Socket("latent_image", "LATENT"),
    )
    OUTPUTS = ("LATENT", "LATENT")
    OUTPUT_NAMES = ("output", "denoised_output")

    def run(self, ctx, noise, guider, sampler, sigmas, latent_image):
        # per-step noise is seeded with the NOISE's seed (0 for DisableNoise)
        return run_custom(ctx, guider, noise, sampler, sigmas, latent_image)
