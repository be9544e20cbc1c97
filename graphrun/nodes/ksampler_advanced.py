"""KSampler (Advanced): run steps start_at_step..end_at_step of a `steps`-step schedule (ComfyUI nodes.py)."""

from __future__ import annotations

from graphrun.nodes._ksampler_common import run_sampler, sampler_choices, scheduler_choices
from graphrun.nodes.base import Combo, Float, Int, NodeType, Socket, register


@register
class KSamplerAdvanced(NodeType):
    CLASS_TYPE = "KSamplerAdvanced"
    DISPLAY_NAME = "KSampler (Advanced)"
    CATEGORY = "sampling"
    INPUTS = (
        Socket("model", "MODEL"),
        Combo("add_noise", ["enable", "disable"]),
        Int("noise_seed", 0, 0, 0xFFFFFFFFFFFFFFFF, control_after_generate=True),
        Int("steps", 20, 1, 10000),
        Float("cfg", 8.0, 0.0, 100.0, step=0.1, round=0.01),
        Combo("sampler_name", sampler_choices),
        Combo("scheduler", scheduler_choices),
        Socket("positive", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Socket("latent_image", "LATENT"),
        Int("start_at_step", 0, 0, 10000),
        Int("end_at_step", 10000, 0, 10000),
        Combo("return_with_leftover_noise", ["disable", "enable"]),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, model, add_noise, noise_seed, steps, cfg, sampler_name, scheduler, positive, negative,
            latent_image, start_at_step, end_at_step, return_with_leftover_noise):
        # Advanced always uses denoise 1.0; leftover "disable" forces the truncated schedule to end at 0.
        return run_sampler(ctx, model, seed=noise_seed, steps=steps, cfg=cfg, sampler_name=sampler_name,
                           scheduler=scheduler, positive=positive, negative=negative, latent=latent_image,
                           denoise=1.0, disable_noise=add_noise == "disable", start_step=start_at_step,
                           last_step=end_at_step, force_full_denoise=return_with_leftover_noise == "disable")
