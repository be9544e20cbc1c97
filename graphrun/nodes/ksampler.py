"""KSampler: denoise a latent with `steps` steps; `denoise` < 1 keeps the last steps of an int(steps/denoise) schedule."""

from __future__ import annotations

from graphrun.nodes._ksampler_common import run_sampler, sampler_choices, scheduler_choices
from graphrun.nodes.base import Combo, Float, Int, NodeType, Socket, register


@register
class KSampler(NodeType):
    CLASS_TYPE = "KSampler"
    DISPLAY_NAME = "KSampler"
    CATEGORY = "sampling"
    DESCRIPTION = "Uses the provided model, positive and negative conditioning to denoise the latent image."
    INPUTS = (
        Socket("model", "MODEL", tooltip="The model used for denoising the input latent."),
        Int("seed", 0, 0, 0xFFFFFFFFFFFFFFFF, control_after_generate=True,
            tooltip="The random seed used for creating the noise."),
        Int("steps", 20, 1, 10000, tooltip="The number of steps used in the denoising process."),
        Float("cfg", 8.0, 0.0, 100.0, step=0.1, round=0.01, tooltip="The Classifier-Free Guidance scale."),
        Combo("sampler_name", sampler_choices, tooltip="The algorithm used when sampling."),
        Combo("scheduler", scheduler_choices, tooltip="The scheduler controls how noise is gradually removed."),
        Socket("positive", "CONDITIONING", tooltip="The conditioning describing what to include in the image."),
        Socket("negative", "CONDITIONING", tooltip="The conditioning describing what to exclude from the image."),
        Socket("latent_image", "LATENT", tooltip="The latent image to denoise."),
        Float("denoise", 1.0, 0.0, 1.0, step=0.01, tooltip="The amount of denoising applied."),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, model, seed, steps, cfg, sampler_name, scheduler, positive, negative, latent_image,
            denoise):
        return run_sampler(ctx, model, seed=seed, steps=steps, cfg=cfg, sampler_name=sampler_name,
                           scheduler=scheduler, positive=positive, negative=negative, latent=latent_image,
                           denoise=denoise)
