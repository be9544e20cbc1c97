"""ControlNetLoader: an SD1.x / SD2.x / SDXL ControlNet from models/controlnet (LDM or diffusers layout) as a
diffusers ControlNetModel (ComfyUI nodes.py, comfy/controlnet.py load_controlnet)."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register


@register
class ControlNetLoader(NodeType):
    CLASS_TYPE = "ControlNetLoader"
    DISPLAY_NAME = "Load ControlNet Model"
    CATEGORY = "loaders"
    INPUTS = (Files("control_net_name", "controlnet"),)
    OUTPUTS = ("CONTROL_NET",)

    def run(self, ctx, control_net_name):
        from graphrun.nodes._controlnet import load

        return (load(ctx, control_net_name),)
