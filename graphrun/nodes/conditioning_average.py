"""ConditioningAverage: every `to` entry blended with the first `from` entry, to·s + from·(1-s); `from` is cut or
zero-padded to the `to` token count; pooled outputs are blended the same way (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class ConditioningAverage(NodeType):
    CLASS_TYPE = "ConditioningAverage"
    DISPLAY_NAME = "ConditioningAverage"
    CATEGORY = "conditioning"
    INPUTS = (
        Socket("conditioning_to", "CONDITIONING"),
        Socket("conditioning_from", "CONDITIONING"),
        Float("conditioning_to_strength", 1.0, 0.0, 1.0, step=0.01),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning_to, conditioning_from, conditioning_to_strength):
        import torch

        from graphrun.nodes._conditioning import first_entry, get_pooled, with_cond, with_pooled

        s = conditioning_to_strength
        source = first_entry(conditioning_from, "conditioning_from", ctx)
        pooled_from = get_pooled(source)
        out = []
        for entry in conditioning_to:
            t1 = entry.cond
            t0 = source.cond[:, :t1.shape[1]]
            if t0.shape[1] < t1.shape[1]:
                t0 = torch.cat([t0, torch.zeros((1, t1.shape[1] - t0.shape[1], t1.shape[2]))], dim=1)
            new = with_cond(entry, torch.mul(t1, s) + torch.mul(t0, 1.0 - s))
            pooled_to = get_pooled(entry)
            if pooled_to is None:
                pooled_to = pooled_from
            if pooled_from is not None and pooled_to is not None:
                new = with_pooled(new, torch.mul(pooled_to, s) + torch.mul(pooled_from, 1.0 - s))
            elif pooled_from is not None:
                new = with_pooled(new, pooled_from)
            out.append(new)
        return (tuple(out),)
