"""InvertMask: 1 - mask (comfy_extras/nodes_mask.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class InvertMask(NodeType):
    CLASS_TYPE = "InvertMask"
    DISPLAY_NAME = "InvertMask"
    CATEGORY = "mask"
    INPUTS = (Socket("mask", "MASK"),)
    OUTPUTS = ("MASK",)

    def run(self, ctx, mask):
        from graphrun.backend.masks import check_mask

        return (1.0 - check_mask(mask),)
