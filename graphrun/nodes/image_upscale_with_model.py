"""ImageUpscaleWithModel: run an upscale model over the image in 512 px tiles, 32 px overlap (ComfyUI's tiling)."""

from __future__ import annotations

from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import NodeType, register


@register
class ImageUpscaleWithModel(NodeType):
    CLASS_TYPE = "ImageUpscaleWithModel"
    DISPLAY_NAME = "Upscale Image (using Model)"
    CATEGORY = "image/upscaling"
    INPUTS = (V3Socket("upscale_model", "UPSCALE_MODEL"), V3Socket("image", "IMAGE"))
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, upscale_model, image):
        from graphrun.backend.masks import check_image
        from graphrun.backend.upscale_models import upscale_image

        check_image(image, "image")
        if image.shape[-1] != upscale_model.input_channels:
            from graphrun.errors import NodeInputError

            raise NodeInputError("image", f"the model takes {upscale_model.input_channels}-channel images, "
                                 f"this one has {image.shape[-1]}", value=list(image.shape))
        return (upscale_image(upscale_model, image),)
