"""SDTurboScheduler: SD-Turbo's fixed timesteps 999, 899, ... (10 - int(10 * denoise) skipped), then 0."""

from __future__ import annotations

from graphrun.nodes.base import Float, Int, NodeType, Socket, register


@register
class SDTurboScheduler(NodeType):
    CLASS_TYPE = "SDTurboScheduler"
    DISPLAY_NAME = "SDTurboScheduler"
    CATEGORY = "sampling/custom_sampling/schedulers"
    INPUTS = (
        Socket("model", "MODEL"),
        Int("steps", 1, 1, 10),
        Float("denoise", 1.0, 0, 1.0, step=0.01),
    )
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, model, steps, denoise):
        from graphrun.sampling.schedulers import sd_turbo_sigmas

        return (sd_turbo_sigmas(model.model_sampling, steps, denoise),)
