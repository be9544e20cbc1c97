"""ImageBatch: image2 appended to image1; a different size is first resized (bilinear, centre crop) (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class ImageBatch(NodeType):
    CLASS_TYPE = "ImageBatch"
    DISPLAY_NAME = "Batch Images"
    CATEGORY = "image"
    INPUTS = (Socket("image1", "IMAGE"), Socket("image2", "IMAGE"))
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, image1, image2):
        import torch

        from graphrun.backend.upscale import common_upscale
        from graphrun.errors import NodeInputError

        if image1.shape[-1] != image2.shape[-1]:  # ComfyUI fails inside torch.cat here
            raise NodeInputError("image2", f"image2 has {image2.shape[-1]} channels but image1 has "
                                 f"{image1.shape[-1]}; both must be RGB or both RGBA", value=tuple(image2.shape))
        if image1.shape[1:] != image2.shape[1:]:
            image2 = common_upscale(image2.movedim(-1, 1), image1.shape[2], image1.shape[1], "bilinear",
                                    "center").movedim(1, -1)
        return (torch.cat((image1, image2), dim=0),)
