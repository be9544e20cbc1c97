"""ConditioningZeroOut: every entry's cross-attention tensor and pooled output replaced by zeros of the same shape,
the other keys kept (ComfyUI nodes.py; Flux/SD3 workflows use it as the negative)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class ConditioningZeroOut(NodeType):
    CLASS_TYPE = "ConditioningZeroOut"
    DISPLAY_NAME = "ConditioningZeroOut"
    CATEGORY = "advanced/conditioning"
    INPUTS = (Socket("conditioning", "CONDITIONING"),)
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning):
        import torch

        out = []
        for entry in conditioning:
            pooled = entry.pooled_output
            out.append(entry.replace(cond=torch.zeros_like(entry.cond),
                                     pooled_output=None if pooled is None else torch.zeros_like(pooled)))
        return (tuple(out),)
