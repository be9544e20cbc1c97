"""DiffControlNetLoader: a ControlNet file loaded against a MODEL; a diff ControlNet (a 'difference' marker, stored
as control minus UNet weights) gets the MODEL's UNet weights added, as ComfyUI does; any other ControlNet loads as
with ControlNetLoader (comfy/controlnet.py load_controlnet_state_dict)."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, Socket, register


@register
class DiffControlNetLoader(NodeType):
    CLASS_TYPE = "DiffControlNetLoader"
    DISPLAY_NAME = "Load ControlNet Model (diff)"
    CATEGORY = "loaders"
    INPUTS = (Socket("model", "MODEL"), Files("control_net_name", "controlnet"))
    OUTPUTS = ("CONTROL_NET",)

    def run(self, ctx, model, control_net_name):
        from graphrun.nodes._controlnet import load

        return (load(ctx, control_net_name, model=model),)
