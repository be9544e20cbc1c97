"""SamplerCustom: CFG sampling over explicit SIGMAS with a SAMPLER; outputs the result and the last x0 prediction."""

from __future__ import annotations

from graphrun.nodes._custom_common import SEED_MAX, run_custom
from graphrun.nodes.base import Float, In, Int, NodeType, Socket, register


@register
class SamplerCustom(NodeType):
    CLASS_TYPE = "SamplerCustom"
    DISPLAY_NAME = "SamplerCustom"
    CATEGORY = "sampling/custom_sampling"
    INPUTS = (
        Socket("model", "MODEL"),
        In("add_noise", "BOOLEAN", {"default": True}),
        Int("noise_seed", 0, 0, SEED_MAX, control_after_generate=True),
        Float("cfg", 8.0, 0.0, 100.0, step=0.1, round=0.01),
        Socket("positive", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Socket("sampler", "SAMPLER"),
        Socket("sigmas", "SIGMAS"),
        Socket("latent_image", "LATENT"),
    )
    OUTPUTS = ("LATENT", "LATENT")
    OUTPUT_NAMES = ("output", "denoised_output")

    def run(self, ctx, model, add_noise, noise_seed, cfg, positive, negative, sampler, sigmas, latent_image):
        from graphrun.sampling.custom import DISABLED, Noise
        from graphrun.sampling.guiders import CFGGuider

        # the sampler's own per-step noise is seeded with noise_seed even when add_noise is off (as in ComfyUI)
        noise = Noise(noise_seed) if add_noise else DISABLED
        return run_custom(ctx, CFGGuider(model, positive, negative, cfg), noise, sampler, sigmas, latent_image,
                          seed=noise_seed, model_input="model")
