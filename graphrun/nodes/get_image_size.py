"""GetImageSize: (width, height, batch_size) of an IMAGE (comfy_extras/nodes_images.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class GetImageSize(NodeType):
    CLASS_TYPE = "GetImageSize"
    DISPLAY_NAME = "Get Image Size"
    CATEGORY = "image"
    DESCRIPTION = "Returns width and height of the image, and passes it through unchanged."
    INPUTS = (Socket("image", "IMAGE"),)
    HIDDEN = {"unique_id": "UNIQUE_ID"}
    OUTPUTS = ("INT", "INT", "INT")
    OUTPUT_NAMES = ("width", "height", "batch_size")

    def run(self, ctx, image):
        width, height, batch = int(image.shape[2]), int(image.shape[1]), int(image.shape[0])
        ctx.log(f"GetImageSize: width: {width}, height: {height}, batch size: {batch}")
        return (width, height, batch)
