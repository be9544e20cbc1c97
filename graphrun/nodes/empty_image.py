"""EmptyImage: a batch filled with one 0xRRGGBB colour (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Int, NodeType, register


@register
class EmptyImage(NodeType):
    CLASS_TYPE = "EmptyImage"
    DISPLAY_NAME = "EmptyImage"
    CATEGORY = "image"
    INPUTS = (
        Int("width", 512, 1, MAX_RESOLUTION, step=1),
        Int("height", 512, 1, MAX_RESOLUTION, step=1),
        Int("batch_size", 1, 1, 4096),
        Int("color", 0, 0, 0xFFFFFF, step=1, display="color"),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, width, height, batch_size, color):
        import torch

        from graphrun.backend.images import check_image_size

        check_image_size(width, height, batch_size, input_name="width")
        channels = [torch.full([batch_size, height, width, 1], ((color >> shift) & 0xFF) / 0xFF)
                    for shift in (16, 8, 0)]
        return (torch.cat(channels, dim=-1),)
