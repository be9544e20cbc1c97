"""DualCFGGuider: GUIDER with two positive conditionings (cond1 over cond2 at cfg_conds, cond2 over negative at
cfg_cond2_negative), `regular` (summed) or `nested` (cond1-vs-cond2 guidance inside the negative guidance)."""

from __future__ import annotations

from graphrun.nodes.base import Combo, Float, NodeType, Socket, register


@register
class DualCFGGuider(NodeType):
    CLASS_TYPE = "DualCFGGuider"
    DISPLAY_NAME = "DualCFGGuider"
    CATEGORY = "sampling/custom_sampling/guiders"
    INPUTS = (
        Socket("model", "MODEL"),
        Socket("cond1", "CONDITIONING"),
        Socket("cond2", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Float("cfg_conds", 8.0, 0.0, 100.0, step=0.1, round=0.01),
        Float("cfg_cond2_negative", 8.0, 0.0, 100.0, step=0.1, round=0.01),
        Combo("style", ["regular", "nested"]),
    )
    OUTPUTS = ("GUIDER",)

    def run(self, ctx, model, cond1, cond2, negative, cfg_conds, cfg_cond2_negative, style):
        from graphrun.sampling.guiders import DualCFGGuider as Guider

        return (Guider(model, cond1, cond2, negative, cfg_conds, cfg_cond2_negative, nested=style == "nested"),)
