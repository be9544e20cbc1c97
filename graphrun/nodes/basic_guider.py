"""BasicGuider: GUIDER using one conditioning and no CFG (guidance-distilled models such as Flux)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class BasicGuider(NodeType):
    CLASS_TYPE = "BasicGuider"
    DISPLAY_NAME = "BasicGuider"
    CATEGORY = "sampling/custom_sampling/guiders"
    INPUTS = (Socket("model", "MODEL"), Socket("conditioning", "CONDITIONING"))
    OUTPUTS = ("GUIDER",)

    def run(self, ctx, model, conditioning):
        from graphrun.sampling.guiders import BasicGuider as Guider

        return (Guider(model, conditioning),)
