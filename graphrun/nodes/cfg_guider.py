"""CFGGuider: GUIDER doing classifier-free guidance of positive against negative, as KSampler does."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class CFGGuider(NodeType):
    CLASS_TYPE = "CFGGuider"
    DISPLAY_NAME = "CFGGuider"
    CATEGORY = "sampling/custom_sampling/guiders"
    INPUTS = (
        Socket("model", "MODEL"),
        Socket("positive", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Float("cfg", 8.0, 0.0, 100.0, step=0.1, round=0.01),
    )
    OUTPUTS = ("GUIDER",)

    def run(self, ctx, model, positive, negative, cfg):
        from graphrun.sampling.guiders import CFGGuider as Guider

        return (Guider(model, positive, negative, cfg),)
