"""MaskToImage: a MASK as a grey RGB IMAGE (comfy_extras/nodes_mask.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class MaskToImage(NodeType):
    CLASS_TYPE = "MaskToImage"
    DISPLAY_NAME = "Convert Mask to Image"
    CATEGORY = "mask"
    INPUTS = (Socket("mask", "MASK"),)
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, mask):
        from graphrun.backend.masks import check_mask

        mask = check_mask(mask)
        return (mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3),)
