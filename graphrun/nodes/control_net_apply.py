"""ControlNetApply ("Apply ControlNet (OLD)"): every entry gets a Control (the net, the hint image, strength),
chained after the entry's previous one; marked to also apply to the negative side (ComfyUI's
control_apply_to_uncond). Strength 0 returns the conditioning unchanged, as ComfyUI does."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


@register
class ControlNetApply(NodeType):
    CLASS_TYPE = "ControlNetApply"
    DISPLAY_NAME = "Apply ControlNet (OLD)"
    CATEGORY = "conditioning/controlnet"
    INPUTS = (
        Socket("conditioning", "CONDITIONING"),
        Socket("control_net", "CONTROL_NET"),
        Socket("image", "IMAGE"),
        Float("strength", 1.0, 0.0, 10.0, step=0.01),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, control_net, image, strength):
        from graphrun.nodes._conditioning import set_values
        from graphrun.nodes._controlnet import check_net, hint_of
        from graphrun.sampling.control import Control

        check_net(control_net)
        if strength == 0:
            return (conditioning,)
        hint = hint_of(image)
        out = []
        for e in conditioning:  # one Control per entry (ComfyUI copies the net per entry here)
            c = Control(control_net, hint, float(strength), previous=e.control)
            out.append(set_values(e, {"control": c, "control_apply_to_uncond": True}))
        return (tuple(out),)
