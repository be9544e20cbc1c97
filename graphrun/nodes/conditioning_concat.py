"""ConditioningConcat: the first `from` entry's tokens appended to every `to` entry's (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class ConditioningConcat(NodeType):
    CLASS_TYPE = "ConditioningConcat"
    DISPLAY_NAME = "Conditioning (Concat)"
    CATEGORY = "conditioning"
    INPUTS = (Socket("conditioning_to", "CONDITIONING"), Socket("conditioning_from", "CONDITIONING"))
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning_to, conditioning_from):
        import torch

        from graphrun.nodes._conditioning import first_entry, with_cond

        source = first_entry(conditioning_from, "conditioning_from", ctx).cond
        return (tuple(with_cond(e, torch.cat((e.cond, source), 1)) for e in conditioning_to),)
