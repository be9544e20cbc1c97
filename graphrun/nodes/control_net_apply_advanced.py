"""ControlNetApplyAdvanced ("Apply ControlNet"): positive and negative entries get a Control with strength and a
start/end percent range; entries with the same previous control share one Control object (so they batch
together, as in ComfyUI). Strength 0 returns both unchanged. `vae` is accepted and unused: SD1.x/SD2.x/SDXL
ControlNets take the hint in pixels (ComfyUI only encodes it for latent-input DiT ControlNets)."""

from __future__ import annotations

from graphrun.nodes.base import Float, In, NodeType, Socket, register


@register
class ControlNetApplyAdvanced(NodeType):
    CLASS_TYPE = "ControlNetApplyAdvanced"
    DISPLAY_NAME = "Apply ControlNet"
    CATEGORY = "conditioning/controlnet"
    INPUTS = (
        Socket("positive", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Socket("control_net", "CONTROL_NET"),
        Socket("image", "IMAGE"),
        Float("strength", 1.0, 0.0, 10.0, step=0.01),
        Float("start_percent", 0.0, 0.0, 1.0, step=0.001),
        Float("end_percent", 1.0, 0.0, 1.0, step=0.001),
        In("vae", "VAE", group="optional"),
    )
    OUTPUTS = ("CONDITIONING", "CONDITIONING")
    OUTPUT_NAMES = ("positive", "negative")

    def run(self, ctx, positive, negative, control_net, image, strength, start_percent, end_percent, vae=None):
        from graphrun.nodes._conditioning import set_values
        from graphrun.nodes._controlnet import check_net, hint_of
        from graphrun.sampling.control import Control

        check_net(control_net)
        if strength == 0:
            return (positive, negative)
        hint = hint_of(image)
        shared: dict[int, Control] = {}  # previous control (by identity) -> its new Control
        out = []
        for conditioning in (positive, negative):
            entries = []
            for e in conditioning:
                key = id(e.control)
                if key not in shared:
                    shared[key] = Control(control_net, hint, float(strength), float(start_percent),
                                          float(end_percent), previous=e.control, vae=vae)
                entries.append(set_values(e, {"control": shared[key], "control_apply_to_uncond": False}))
            out.append(tuple(entries))
        return tuple(out)
