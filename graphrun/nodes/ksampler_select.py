"""KSamplerSelect: a SAMPLER by name from the sampler registry, with its default knobs."""

from __future__ import annotations

from graphrun.nodes._ksampler_common import sampler_choices
from graphrun.nodes.base import Combo, NodeType, register


@register
class KSamplerSelect(NodeType):
    CLASS_TYPE = "KSamplerSelect"
    DISPLAY_NAME = "KSamplerSelect"
    CATEGORY = "sampling/custom_sampling/samplers"
    INPUTS = (Combo("sampler_name", sampler_choices),)
    OUTPUTS = ("SAMPLER",)

    def run(self, ctx, sampler_name):
        from graphrun.errors import NodeInputError
        from graphrun.sampling.ksampler import get_sampler

        try:
            return (get_sampler(sampler_name),)
        except ValueError as exc:
            raise NodeInputError("sampler_name", str(exc)) from None
