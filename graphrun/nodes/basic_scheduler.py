"""BasicScheduler: a registry scheduler's sigmas for the model; denoise < 1 keeps the last steps+1 of a longer list.

Unlike KSampler it never drops a penultimate sigma (that depends on a sampler, which it does not know)."""

from __future__ import annotations

from graphrun.nodes._ksampler_common import scheduler_choices
from graphrun.nodes.base import Combo, Float, Int, NodeType, Socket, register


@register
class BasicScheduler(NodeType):
    CLASS_TYPE = "BasicScheduler"
    DISPLAY_NAME = "BasicScheduler"
    CATEGORY = "sampling/custom_sampling/schedulers"
    INPUTS = (
        Socket("model", "MODEL"),
        Combo("scheduler", scheduler_choices),
        Int("steps", 20, 1, 10000),
        Float("denoise", 1.0, 0.0, 1.0, step=0.01),
    )
    OUTPUTS = ("SIGMAS",)

    def run(self, ctx, model, scheduler, steps, denoise):
        from graphrun.sampling.custom import basic_scheduler_sigmas

        return (basic_scheduler_sigmas(model.model_sampling, scheduler, steps, denoise),)
