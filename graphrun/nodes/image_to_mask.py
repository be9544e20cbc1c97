"""ImageToMask: one channel of an IMAGE as a MASK (comfy_extras/nodes_mask.py)."""

from __future__ import annotations

from graphrun.nodes.base import Combo, NodeType, Socket, register

CHANNELS = ["red", "green", "blue", "alpha"]


@register
class ImageToMask(NodeType):
    CLASS_TYPE = "ImageToMask"
    DISPLAY_NAME = "Convert Image to Mask"
    CATEGORY = "mask"
    INPUTS = (Socket("image", "IMAGE"), Combo("channel", CHANNELS))
    OUTPUTS = ("MASK",)

    def run(self, ctx, image, channel):
        from graphrun.backend.masks import check_image
        from graphrun.errors import NodeInputError

        check_image(image, "image")
        index = CHANNELS.index(channel)
        if index >= image.shape[-1]:  # ComfyUI raises IndexError here
            raise NodeInputError("channel", f"the image has {image.shape[-1]} channels, so it has no {channel} "
                                 "channel (LoadImage gives RGB; its MASK output holds the alpha)", value=channel)
        return (image[:, :, :, index],)
