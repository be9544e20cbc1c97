"""ImageInvert: 1 - image, every channel (ComfyUI nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class ImageInvert(NodeType):
    CLASS_TYPE = "ImageInvert"
    DISPLAY_NAME = "Invert Image"
    CATEGORY = "image"
    INPUTS = (Socket("image", "IMAGE"),)
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, image):
        return (1.0 - image,)
